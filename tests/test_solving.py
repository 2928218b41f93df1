"""The width solver: the seed's numbers, the closed form, and the general search."""

from __future__ import annotations

import contextlib
import os
import textwrap
from pathlib import Path

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from checker.checks import solving
from checker.checks.check import check_text
from checker.checks.solving import AT_LEAST, AT_MOST, CLOSEST, mlp_params, mlp_real_width, solve
from checker.findings import SpecError
from checker.language import counting
from checker.language.counting import count_model
from checker.language.spec import with_vars


def spec_of(text):
    [result] = check_text(textwrap.dedent(text), "spec.yaml").specs
    assert result.spec is not None, result.findings
    return result.spec


MLP = spec_of("""
    vars: {input_dim: 8, hidden_dim: 16, hidden_layers: 2, output_dim: 8}
    model:
      mlp: {input_dim: input_dim, hidden_dim: hidden_dim, hidden_layers: hidden_layers, output_dim: output_dim}
    """)


@contextlib.contextmanager
def switched_off(name):
    """solving's function `name` finds nothing for as long as the block runs."""
    kept = getattr(solving, name)
    setattr(solving, name, lambda *a: None)
    try:
        yield
    finally:
        setattr(solving, name, kept)


def general(spec, *args, **kwargs):
    """The general solve (a symbolic count, else the search), with the mlp closed form switched off."""
    with switched_off("_mlp_closed_form"):
        return solve(spec, *args, **kwargs)


def searched(spec, *args, **kwargs):
    """The search alone, counting width by width: no closed form, no symbolic count."""
    with switched_off("_symbolic_solution"):
        return general(spec, *args, **kwargs)


@pytest.mark.parametrize("depth, width, params", [(1, 32, 552), (2, 16, 552), (3, 12, 524), (4, 11, 591)])
@pytest.mark.parametrize("solver", [solve, general], ids=["closed form", "general"])
def test_the_seed(solver, depth, width, params):
    solution = solver(with_vars(MLP, {"hidden_layers": depth}), "hidden_dim", 552)
    assert (solution.value, solution.params, solution.problem) == (width, params, None)


def test_one_hidden_layer_is_linear():
    # a = l - 1 = 0: the quadratic formula would divide by zero.
    assert mlp_real_width(8, 8, 1, 552) == 32.0
    assert mlp_real_width(8, 8, 4, 552) == pytest.approx(10.5391, abs=1e-4)


def test_mlp_formula_is_the_count():
    assert mlp_params(8, 8, 2, 16) == 552
    assert mlp_params(8, 8, 2, 16, bias=False) == 8 * 16 + 16 * 16 + 16 * 8


@settings(max_examples=150, deadline=None)
@given(
    i=st.integers(1, 64),
    o=st.integers(1, 64),
    layers=st.integers(1, 6),
    bias=st.booleans(),
    target=st.integers(1, 200_000),
    multiple_of=st.sampled_from([1, 2, 8]),
    rule=st.sampled_from([CLOSEST, AT_MOST, AT_LEAST]),
)
def test_closed_form_and_search_agree_and_beat_neighbours(i, o, layers, bias, target, multiple_of, rule):
    spec = spec_of(f"""
        vars: {{width: 4}}
        model:
          mlp: {{input_dim: {i}, hidden_dim: width, hidden_layers: {layers}, output_dim: {o},
                bias: {str(bias).lower()}}}
        """)
    closed = solve(spec, "width", target, rule, multiple_of)
    searched = general(spec, "width", target, rule, multiple_of)
    assert (closed.value, closed.params) == (searched.value, searched.params)
    if closed.value is None:
        return
    assert closed.value % multiple_of == 0
    assert closed.params == mlp_params(i, o, layers, closed.value, bias)
    neighbours = [v for v in (closed.value - multiple_of, closed.value + multiple_of) if v >= multiple_of]
    for neighbour in neighbours:
        count = mlp_params(i, o, layers, neighbour, bias)
        if rule == CLOSEST:
            assert abs(closed.params - target) <= abs(count - target)
        elif rule == AT_MOST:
            assert closed.params <= target and (count > target or neighbour < closed.value)
        else:
            assert closed.params >= target and (count < target or neighbour > closed.value)


def test_ties_go_to_the_smaller_width():
    spec = spec_of("vars: {w: 1}\nmodel: [{Linear: [w, 2, false]}]\n")  # 2·w params
    assert solve(spec, "w", 5).value == 2  # 4 and 6 are both 1 away


def test_multiple_of():
    solution = solve(with_vars(MLP, {"hidden_layers": 4}), "hidden_dim", 552, multiple_of=8)
    assert (solution.value, solution.params) == (8, 3 * 64 + 20 * 8 + 8)


def test_gpt2_twice_as_deep_in_multiples_of_64():
    spec = spec_of("vars: {n_layer: 12, n_embd: 768}\nmodel: {gpt2: {n_layer: n_layer, n_embd: n_embd}}\n")
    deeper = with_vars(spec, {"n_layer": 24})
    solution = solve(deeper, "n_embd", 124_439_808, multiple_of=64)
    # n_embd must also divide by n_head = 12: candidates are multiples of 192.
    assert (solution.value, solution.params) == (576, 125_270_208)
    assert abs(solution.error) < 0.01


def test_convolutional_channels():
    spec = spec_of("""
        vars: {channels: 64, blocks: 2}
        blocks:
          conv_block:
            params: [c]
            body:
              - Conv2d: {out_channels: c, kernel_size: 3, padding: 1, bias: false}
              - BatchNorm2d
              - ReLU
        model:
          - Conv2d: {in_channels: 3, out_channels: channels, kernel_size: 3}
          - conv_block: channels
            repeat: blocks
          - AdaptiveAvgPool2d: 1
          - Flatten
          - Linear: {in_features: channels, out_features: 10}
        """)
    reference = 1792 + 2 * (64 * 64 * 9 + 128) + 650
    solution = solve(with_vars(spec, {"blocks": 4}), "channels", reference)
    assert (solution.value, solution.params) == (45, 74_980)
    for neighbour in (44, 46):
        count = count_model(with_vars(spec, {"blocks": 4, "channels": neighbour})).params
        assert abs(solution.params - reference) < abs(count - reference)


def test_a_var_that_does_not_change_the_count():
    spec = spec_of("vars: {unused: 8}\nmodel: [{Linear: [3, 4]}]\n")
    assert solve(spec, "unused", 100).problem == "unused does not change the count"


def test_a_target_no_width_reaches():
    spec = spec_of("vars: {w: 8}\nmodel: [{Linear: [w, w, false]}]\n")
    solution = solve(spec, "w", 10**30)
    assert solution.value is None
    assert solution.problem == "even w = 1,099,511,627,776 gives only 1,208,925,819,614,629,174,706,176 params"


def test_a_target_below_the_smallest_model():
    solution = solve(MLP, "hidden_dim", 10)
    assert (solution.value, solution.params) == (1, 27)
    assert solution.problem == "10 is below the smallest model: hidden_dim = 1 gives 27"
    assert solve(MLP, "hidden_dim", 10, AT_MOST).problem == "even hidden_dim = 1 gives 27 params"


def test_values_a_block_refuses_are_skipped():
    spec = spec_of("""
        vars: {d: 12}
        blocks:
          heads:
            params: [d]
            require: ["d % 12 == 0"]
            body: [{Linear: [d, d]}]
        model:
          - heads: d
        """)
    # 216 gives 46,872 and 228 gives 52,212: the widths between are refused.
    assert solve(spec, "d", 50_000).value == 228


CONDITIONS = ["d % {m} == 0", "d % {m} == {r}", "d >= {t}", "d <= {t}", "d % {m} != {r}", "d != {t}", "true"]
SCANNED = 160
# A block's `require` on d, where the search starts, and the target as a fraction of the largest count scanned.
SEARCHES = {
    "condition": st.sampled_from(CONDITIONS),
    "m": st.integers(1, 40),
    "r": st.integers(0, 39),
    "t": st.integers(1, 140),
    "anchor": st.integers(1, 150),
    "fraction": st.fractions(0, 1),
    "rule": st.sampled_from([CLOSEST, AT_MOST, AT_LEAST]),
}


@settings(max_examples=60, deadline=None)
@given(**SEARCHES)
def test_the_search_finds_what_trying_every_value_finds(condition, m, r, t, anchor, fraction, rule):
    """Against a scan of every value: refused values in steps, ranges and holes, from any starting value."""
    require = condition.format(m=m, r=r % m, t=t)
    spec = spec_of(f"""
        vars: {{d: {anchor}}}
        blocks:
          layer:
            params: [d]
            require: ["{require}"]
            body: [{{Linear: [d, d]}}, {{Linear: [d, 3, false]}}]
        model: [{{Embedding: [7, 2]}}, {{layer: d}}]
        """)
    search_agrees_with_scan(spec, fraction, rule, lambda spec: count_model(spec).params, solve)


def search_agrees_with_scan(spec, fraction, rule, count, search):
    """`search` for d at `fraction` of the largest count finds what counting every d up to SCANNED with `count`
    finds."""
    counts = {}
    for d in range(1, SCANNED + 1):
        with contextlib.suppress(SpecError):  # a value the block refuses
            counts[d] = count(with_vars(spec, {"d": d}))
    target = int(fraction * max(counts.values(), default=0))
    below = [d for d in counts if counts[d] < target]
    above = [d for d in counts if counts[d] >= target]
    if not above:
        return  # the answer may lie past the scan
    low = (max(below), counts[max(below)]) if below else None
    high = (min(above), counts[min(above)])
    expected = solving._choose("d", target, rule, 1, low, high)
    found = search(spec, "d", target, rule)
    refused = "".join("x" if d not in counts else "." for d in range(1, SCANNED + 1))
    gave_up = found.problem is not None and found.problem.startswith("the search gave up after")
    if (found.value, found.problem) != (expected.value, expected.problem) and (
        "x" * solving.SKIP_LIMIT in refused or gave_up
    ):
        # Past a run of refusals, or after too many counts where the widths accepted come in no steps, the
        # search may stop, but says so: never a wrong value.
        assert found.value is None and "refuses" in found.problem
        return
    assert (found.value, found.params, found.problem) == (expected.value, expected.params, expected.problem)


def test_a_sweep_solves_each_depth_as_one_solve_does():
    spec = MLP
    rows = solving.solve_depths(spec, "hidden_dim", 552, {"input_dim": 4}, "hidden_layers", range(1, 4), multiple_of=2)
    assert rows == [
        (depth, solve(with_vars(spec, {"input_dim": 4, "hidden_layers": depth}), "hidden_dim", 552, multiple_of=2))
        for depth in range(1, 4)
    ]


def test_an_ultralytics_sweep_gives_each_depth_its_matched_width_multiplier():
    from checker.formats.ultralytics.building import count_scale
    from checker.formats.ultralytics.reading import read_model
    from checker.language.loader import load_documents

    detector = Path(__file__).parent.parent / "examples" / "ultralytics" / "detector.yaml"
    model, _ = read_model(next(load_documents(detector.read_text())).value)
    reference = count_scale(model, "n")[0].params
    [(written, kept), (deeper, matched)] = solving.solve_ultralytics_depths(model, "n", reference, [0.33, 0.67])
    assert (written, kept.var, kept.params) == (0.33, "n.width", reference)  # the written depth keeps the count
    assert kept.value <= 0.25  # the file's width, or a narrower one the channels round to the same
    assert (deeper, matched.var) == (0.67, "n.width") and matched.value < 0.25


@settings(max_examples=300, deadline=None)
@given(
    a=st.integers(0, 10**30),
    b=st.integers(1, 10**30),
    c=st.integers(-(10**30), 10**30),
    ks=st.lists(st.integers(1, 10**6), min_size=3, max_size=3, unique=True),
    above=st.integers(0, 10**40),
)
def test_the_quadratic_root_is_exact_on_large_numbers(a, b, c, ks, above):
    def count(k):
        return a * k * k + b * k + c

    target = count(1) + above
    k = solving._quadratic_root(tuple((k, count(k)) for k in ks), target)
    assert count(k) <= target < count(k + 1)


def counted_kinds(monkeypatch):
    """The counts the solver takes from now on: True for a symbolic one, False for one at a value."""
    counts = []
    count_model = solving.count_model

    def counted(spec, remember=True):
        counts.append(not remember)
        return count_model(spec, remember)

    monkeypatch.setattr(solving, "count_model", counted)
    return counts


def test_a_count_quadratic_in_the_width_is_searched_in_five_counts(monkeypatch):
    counts = counted_kinds(monkeypatch)
    solution = searched(with_vars(MLP, {"hidden_layers": 4}), "hidden_dim", 552)
    assert (solution.value, len(counts)) == (11, 5)


def test_a_symbolic_count_is_the_only_count_a_solve_takes(monkeypatch):
    counts = counted_kinds(monkeypatch)
    solution = general(with_vars(MLP, {"hidden_layers": 4}), "hidden_dim", 552)
    assert (solution.value, solution.params, counts) == (11, 591, [True])


def count_alone(spec):
    """The params of `spec` counted with nothing remembered from earlier counts."""
    counting._LAYER_COUNTS.clear()
    counting._PRESET_USES.clear()
    return count_model(spec).params


@settings(max_examples=40, deadline=None)
@given(**SEARCHES, preset_width=st.sampled_from(["8", "2 * d"]))
def test_a_search_that_reuses_counts_finds_what_counting_each_value_alone_finds(
    condition, m, r, t, anchor, fraction, rule, preset_width
):
    """The search's counts share the layers and preset blocks that do not change with the width (and those
    that come back at a width counted before); counting every value from nothing gives the same answer."""
    require = condition.format(m=m, r=r % m, t=t)
    spec = spec_of(f"""
        vars: {{d: {anchor}, depth: 2}}
        blocks:
          layer:
            params: [d]
            require: ["{require}"]
            body: [{{Linear: [d, d]}}, {{LayerNorm: {{normalized_shape: d, eps: 1.0e-6}}}}, {{Linear: [5, 5]}}]
        model:
          - Embedding: [7, d]
          - layer: d
            repeat: depth
          - Linear: [11, 4]
          - gpt2: {{n_embd: {preset_width}, n_head: 2, n_layer: 1, vocab_size: 3, n_positions: 4}}
          - Linear: {{out_features: d}}
          - LayerNorm
        """)
    search_agrees_with_scan(spec, fraction, rule, count_alone, general)


# ------------------------------------------------------------ the symbolic count
def examples(default):
    """How many examples each of the symbolic count's hypothesis tests draws: BUDGET_CHECK_SYMBOLIC_EXAMPLES
    when it is set (a longer run, locally), else `default`."""
    return int(os.environ.get("BUDGET_CHECK_SYMBOLIC_EXAMPLES", default))


# Sizes in the width d: the first grow with it, the last do not always.
GROWING = [
    "d",
    "2 * d",
    "d // 3 + 1",
    "max(d, 40)",
    "min(2 * d, 100) + 1",
    "d * d // 64 + 1",
    "(2 * d if d > 50 else d)",
]
ANY_SIZE = [*GROWING, "d % 7 + 1", "(d if d > 50 else 2 * d)", "max(60 - d, 1)", "d // (d // 10 + 1) + 1"]


def layers_of(size, groups=None):
    """A strategy of model nodes whose sizes come from `size`, a strategy of expressions in d (and the groups
    of a convolution or a GroupNorm from `groups`, by default some that grow with d: fewer params)."""
    if groups is None:
        groups = st.sampled_from(["1", "2", "3", "'d // 8 + 1'", "'max(d // 20, 1)'"])
    size = size.map("'{}'".format)  # quoted: a comma would end a flow mapping's value
    plain = st.builds("{{Linear: [{}, {}]}}".format, size, size)
    return st.one_of(
        plain,
        st.builds("{{Linear: {{out_features: {}}}}}".format, size),  # its input is the running size
        st.builds("{{LayerNorm: {}}}".format, size),
        st.builds("{{Embedding: [7, {}]}}".format, size),
        st.builds("{{Linear: [{}, {}], when: 'd > {}'}}".format, size, size, st.integers(1, 150)),
        st.builds("{{Linear: [{}, 3], repeat: '1 + d // {}'}}".format, size, st.integers(20, 90)),
        st.builds(
            "{{Linear: [{}, 3]}}\n  - {{Linear: [3, 3], repeat: '1 + d // {}'}}".format, size, st.integers(5, 90)
        ),
        st.builds(
            "{{MultiheadAttention: {{embed_dim: {}, num_heads: {}}}}}".format, st.just("d"), st.sampled_from([1, 2, 4])
        ),
        st.builds(
            "{{gpt2: {{n_embd: {}, n_head: {}, n_layer: 1, vocab_size: 11, n_positions: 8}}}}".format,
            st.sampled_from(["d", "2 * d"]),
            st.sampled_from([1, 2, 3]),
        ),
        st.builds(
            "{{llama: {{hidden_size: 2 * d, num_attention_heads: 2, num_key_value_heads: 1, intermediate_size: {}, "
            "num_hidden_layers: 1, vocab_size: 11}}}}".format,
            size,
        ),
        st.builds(
            "{{bert: {{hidden_size: d, num_attention_heads: {}, intermediate_size: {}, num_hidden_layers: 1, "
            "vocab_size: 11, max_position_embeddings: 8, type_vocab_size: 2}}}}".format,
            st.sampled_from([1, 2]),
            size,
        ),
        st.just(
            "{Linear: [3, d]}\n  - {parallel: [Identity, [{Linear: {out_features: 5}}, {Linear: {out_features: d}}]]}"
        ),
        st.just("{mlp: {input_dim: 3, hidden_dim: d, hidden_layers: 2, output_dim: 2}}"),
        st.builds("{{Conv1d: {{in_channels: {}, out_channels: d, kernel_size: 3, groups: {}}}}}".format, size, groups),
        st.builds("{{GroupNorm: [{}, {}]}}".format, groups, size),
        st.builds("{{TransformerEncoderLayer: {{d_model: 2 * d, nhead: 2, dim_feedforward: {}}}}}".format, size),
        st.builds("{{LSTM: {{input_size: {}, hidden_size: d, num_layers: 2, proj_size: {}}}}}".format, size, size),
        st.just("{Embedding: [7, d], name: table}\n  - {Linear: [d, 7, false], tie: table, frozen: true}"),
        st.just("{sequential: [{Linear: [d, d]}, {Linear: [d, d]}], repeat: 4, routed: {experts: 4, per_token: 2}}"),
        st.builds("{{sequential: [{{Linear: [{}, d]}}], frozen: [bias]}}".format, size),
    )


def random_spec(layers, anchor, require="true", lora=""):
    nodes = "\n".join(f"  - {layer}" for layer in layers)
    return spec_of(
        f"vars: {{d: {anchor}}}\n"
        "blocks:\n"
        "  gate:\n"
        "    params: [d]\n"
        f'    require: ["{require}"]\n'
        "    body: [{Linear: [d, 2], name: gate_linear}]\n"
        f"model:\n  - gate: d\n{nodes}\n{lora}"
    )


LORAS = st.sampled_from(
    ["", "lora: {r: 4, target_modules: [gate_linear]}\n", "lora: {r: 2, target_modules: all-linear}\n"]
)


@settings(max_examples=examples(60), deadline=None)
@given(
    layers=st.lists(layers_of(st.sampled_from(ANY_SIZE)), min_size=1, max_size=4),
    anchor=st.integers(1, 150),
    condition=st.sampled_from(CONDITIONS),
    m=st.integers(1, 12),
    r=st.integers(0, 11),
    t=st.integers(1, 140),
    lora=LORAS,
)
def test_a_symbolic_count_is_the_count_wherever_its_branches_go_the_same_way(layers, anchor, condition, m, r, t, lora):
    """Soundness: count symbolically at the anchor, then count every width from nothing; wherever the trace
    holds, every measure of the count is its polynomial's value there, and the spec accepts the width."""
    from checker.language.symbolic import Escape, Trace

    spec = random_spec(layers, anchor, condition.format(m=m, r=r % m, t=t), lora)
    trace = Trace()
    try:
        tree = count_model(with_vars(spec, {"d": trace.width(anchor)}), remember=False)
    except (Escape, SpecError) as error:
        event(f"the symbolic count gave up: {type(error).__name__} {error}")
        return
    measures = (solving.params_of, solving.trainable_of, solving.non_embedding_of, solving.active_of)
    held = []
    for d in range(1, SCANNED + 1):
        point = trace.point(d)
        if point is not None and trace.holds(point):
            held.append(d)
            counting._LAYER_COUNTS.clear()
            counting._PRESET_USES.clear()
            counted = count_model(with_vars(spec, {"d": d}))
            expected = [trace.value(measure(tree), point) for measure in measures]
            assert [measure(counted) for measure in measures] == expected, d
    assert anchor in held
    event(f"the trace holds at {len(held) * 10 // SCANNED * 10}% or more of the widths")


@settings(max_examples=examples(40), deadline=None)
@given(
    layers=st.lists(layers_of(st.sampled_from(GROWING), st.sampled_from(["1", "2", "3"])), min_size=1, max_size=4),
    condition=st.sampled_from(CONDITIONS),
    m=st.integers(1, 12),
    r=st.integers(0, 11),
    t=st.integers(1, 140),
    anchor=st.integers(1, 150),
    fraction=st.fractions(0, 1),
    rule=st.sampled_from([CLOSEST, AT_MOST, AT_LEAST]),
)
def test_the_symbolic_solve_finds_what_trying_every_value_finds(layers, condition, m, r, t, anchor, fraction, rule):
    """Hand-written layers and presets whose sizes grow with d (floor divisions, max and min, conditionals,
    `when`, repeats, a block's `require`): the solve finds what the scan finds."""
    spec = random_spec(layers, anchor, condition.format(m=m, r=r % m, t=t))
    search_agrees_with_scan(spec, fraction, rule, count_alone, general)


@settings(max_examples=examples(60), deadline=None)
@given(
    preset=st.sampled_from(
        [
            "gpt2: {{n_embd: d, n_head: {heads}, n_layer: {depth}, vocab_size: 500}}",
            "llama: {{hidden_size: d, num_attention_heads: {heads}, num_key_value_heads: 1, "
            "intermediate_size: 3 * d, num_hidden_layers: {depth}, vocab_size: 500}}",
            "bert: {{hidden_size: d, num_attention_heads: {heads}, intermediate_size: 4 * d, "
            "num_hidden_layers: {depth}, vocab_size: 500}}",
            "mlp: {{input_dim: {heads}, hidden_dim: d, hidden_layers: {depth}, output_dim: 10}}",
        ]
    ),
    heads=st.sampled_from([1, 2, 4, 12, 16]),
    depth=st.integers(1, 6),
    width=st.integers(1, 64),
    multiple_of=st.sampled_from([1, 2, 8, 64, 128]),
    target=st.integers(10**4, 10**10),
    rule=st.sampled_from([CLOSEST, AT_MOST, AT_LEAST]),
)
def test_the_symbolic_solve_of_a_preset_is_the_search_s(preset, heads, depth, width, multiple_of, target, rule):
    """Presets of random sizes, in steps of multiple_of: the answer and its count are those of the search,
    counting width by width."""
    spec = spec_of(f"vars: {{d: {width * 2 * heads}}}\nmodel: {{{preset.format(heads=heads, depth=depth)}}}\n")
    assert general(spec, "d", target, rule, multiple_of) == searched(spec, "d", target, rule, multiple_of)


FALLBACKS = {
    "true division": "Linear: [d, 'd * 6 / 3']",
    "a float on the left": "Linear: [d, '2.0 * d']",
    "a power": "Linear: [d, 'd ** 2']",
    "gcd": "Linear: [d, 'gcd(d, 1) + d']",
    "the width in a name": "TransformerEncoder: {encoder_layer: {TransformerEncoderLayer: [4, 2, 8]}, num_layers: d}",
    "an indexed repeat of the width": "{Linear: [d, 'i + 1'], repeat: {times: d, index: i}}",
    "a float rounded": "Linear: [d, 'round(d * 1.5)']",
}


@pytest.mark.parametrize("node", FALLBACKS.values(), ids=FALLBACKS.keys())
def test_a_count_the_width_cannot_follow_is_searched_instead(node, monkeypatch):
    """Each way out of the polynomial: the symbolic count gives up, and the search answers as before."""
    spec = spec_of(f"vars: {{d: 16}}\nmodel:\n  - Linear: [5, d]\n  - {node}\n")
    counts = counted_kinds(monkeypatch)
    target = count_alone(with_vars(spec, {"d": 40}))
    solution = general(spec, "d", target)
    assert counts[0] is True and not any(counts[1:])  # the symbolic count, then counts at values
    assert (solution.value, solution.params) == (40, target)
    assert solution == searched(spec, "d", target)


def test_a_var_that_is_not_the_width_is_solved_symbolically_too(monkeypatch):
    spec = spec_of("vars: {d: 16, depth: 2}\nmodel:\n  - Linear: [5, d]\n  - {Linear: [d, d], repeat: depth}\n")
    counts = counted_kinds(monkeypatch)
    solution = general(spec, "depth", 6 * 16 + 16 * 17 * 9)
    assert (solution.value, counts) == (9, [True])


def test_the_widths_a_block_refuses_between_the_neighbours_are_counted(monkeypatch):
    """GPT-2 in steps of 64 takes multiples of 192 (n_head 12): the two widths between are counted, and refused."""
    spec = spec_of("vars: {n_layer: 24, n_embd: 768}\nmodel: {gpt2: {n_layer: n_layer, n_embd: n_embd}}\n")
    counts = counted_kinds(monkeypatch)
    solution = general(spec, "n_embd", 124_439_808, multiple_of=64)
    assert (solution.value, solution.params, counts) == (576, 125_270_208, [True, False, False])


def test_a_target_out_of_reach_is_found_from_the_symbolic_count_alone(monkeypatch):
    """Past the largest width, and under the smallest: the same findings as the search's, from one count."""
    spec = spec_of("vars: {w: 8}\nmodel: [{Linear: [w, w, false]}]\n")
    counts = counted_kinds(monkeypatch)
    too_small = general(spec, "w", 10**60)
    assert too_small.problem == "even w = 1,099,511,627,776 gives only 1,208,925,819,614,629,174,706,176 params"
    assert general(spec, "w", 0).problem == "0 is below the smallest model: w = 1 gives 1"
    assert counts == [True, True]
    assert (too_small, general(spec, "w", 0)) == (searched(spec, "w", 10**60), searched(spec, "w", 0))


def test_a_step_past_the_largest_width_is_the_search_s_finding():
    spec = spec_of("vars: {w: 8}\nmodel: [{Linear: [w, w, false]}]\n")
    assert general(spec, "w", 100, multiple_of=2**41) == searched(spec, "w", 100, multiple_of=2**41)
