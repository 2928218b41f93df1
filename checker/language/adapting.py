"""A LoRA adapter applied to a counted model: the tree peft's get_peft_model makes of it.

Modules are named as torch names them: a node's `name`, each copy of a
`repeat` numbered (`layers.0`, `layers.1`), a layer without a name by its
place in its list; a block that has no name adds nothing to the path, so a
Hugging Face preset's paths are transformers' own (`model.layers.0.mlp.up_proj`).
Each module is matched against the adapter as peft matches it (adapters.py),
copy by copy, and the copies that come out the same are counted once and
multiplied again.

An adapted Linear or Embedding becomes a module holding the frozen
`base_layer` and the adapter's tensors; a `modules_to_save` module becomes its
frozen original beside a trainable copy; every other parameter is frozen, but
for the biases that `bias` names. The parts stay buildable by --torch.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from .. import rules
from ..findings import SpecError
from . import presets
from .adapters import ALL_LINEAR, DEFAULT_TARGETS, EXPERT_TARGETS, GENERATING_TASKS, Lora
from .catalogue import Tensor
from .counting import Part, in_runs, owned_tensors
from .symbolic import plain

MAX_MODULES = 200_000  # module copies looked at, every copy of a repeat spelt out
ADAPTED_KINDS = ("Linear", "Embedding")
NOT_COUNTED_KINDS = ("Conv1d", "Conv2d", "Conv3d", "MultiheadAttention")  # peft adapts them; budget-check does not
# transformers' get_output_embeddings() (all-linear leaves it out), where it is not a generating class's `lm_head`.
OUTPUT_HEADS = {
    "WhisperForConditionalGeneration": "proj_out",
    "BertForMaskedLM": "cls.predictions.decoder",
    "RobertaForMaskedLM": "lm_head.decoder",
    "DistilBertForMaskedLM": "vocab_projector",
}


def generates(class_name: str) -> bool:
    """Whether the transformers class generates text (it is a GenerationMixin)."""
    return class_name.endswith(("ForCausalLM", "LMHeadModel", "ForConditionalGeneration"))


def output_head(class_name: str) -> str | None:
    """The module transformers' get_output_embeddings() returns for this class, which all-linear leaves out."""
    if class_name in OUTPUT_HEADS:
        return OUTPUT_HEADS[class_name]
    return "lm_head" if generates(class_name) else None


# The paths of peft's own modules above the model (PeftModel.base_model, the tuner, and its .model): peft
# matches modules_to_save against them too.
PEFT_WRAPPERS = ("base_model", "base_model.model")


def adapted(root: Part, lora: Lora) -> Part:
    """`root` with the adapter applied: total is base plus adapter, trainable is what the adapter trains.

    Every Hugging Face preset names its modules as transformers does, so peft's targets match the same paths.
    """
    family = presets.family_of_class(root.kind)
    if family is not None and lora.task_type in GENERATING_TASKS and not generates(root.kind):
        raise SpecError(
            rules.INVALID_ADAPTER,
            f"task_type {lora.task_type} on {root.kind}, a class that does not generate (peft refuses it): "
            "leave task_type out, or name FEATURE_EXTRACTION",
            lora.location,
        )
    clash = next((name for name in lora.modules_to_save if any(w.endswith(name) for w in PEFT_WRAPPERS)), None)
    if clash is not None:
        raise SpecError(
            rules.ADAPTER_NOT_COUNTED,
            f"modules_to_save {clash!r} also matches peft's own wrappers ({', '.join(PEFT_WRAPPERS)}: peft "
            "matches the name as the end of a module's path), which peft then wraps whole: budget-check does not "
            "count that",
            lora.location,
        )
    walk = _Walk(lora, _targets(root, lora, family))
    result = walk.part(root, "", 0)
    if not walk.matched:  # none named (target_modules: []) matches none either: peft refuses both
        raise SpecError(
            rules.INVALID_ADAPTER,
            f"no module of the model matches target_modules {_shown(walk.targets)} (peft refuses it)",
            lora.location,
        )
    return result._replace(label=root.label)


def _targets(root: Part, lora: Lora, family: str | None) -> tuple[str, ...] | str:
    targets = _resolved_targets(root, lora, family)
    experts = EXPERT_TARGETS.get(family or "", ())
    if isinstance(targets, str):
        named = [name for name in experts if name in targets]  # a regex that may name them: said, not guessed
    else:
        named = [name for name in experts if any(t == name or t.endswith(f".{name}") for t in targets)]
    if named:
        raise SpecError(
            rules.ADAPTER_NOT_COUNTED,
            f"target_modules name {', '.join(named)} of a {family} model: peft adapts its fused experts' parameters "
            "for them, which budget-check does not count",
            lora.location,
        )
    return targets


def _resolved_targets(root: Part, lora: Lora, family: str | None) -> tuple[str, ...] | str:
    if lora.targets is None:
        if family not in DEFAULT_TARGETS:
            raise SpecError(
                rules.INVALID_ADAPTER,
                "target_modules is left out, and peft has no default for "
                f"{'this model' if family is None else family}: name the modules to adapt",
                lora.location,
            )
        return DEFAULT_TARGETS[family]
    if isinstance(lora.targets, str) and lora.targets.lower() == ALL_LINEAR:
        modules = list(iter_modules(root))
        # peft adapts the fused experts' parameters of the families EXPERT_TARGETS names; of a model that is
        # no transformers class, it is not known what it adapts. (Qwen2-MoE's are left alone: not Linears.)
        unknown_experts = family is None and any(path.endswith(".experts") and part.children for path, part in modules)
        if family in EXPERT_TARGETS or unknown_experts:
            raise SpecError(
                rules.ADAPTER_NOT_COUNTED,
                "all-linear on a mixture of experts: peft adapts its routers and experts in ways budget-check does "
                "not count; name the modules to adapt",
                lora.location,
            )
        head = output_head(root.kind)
        return tuple(path for path, part in modules if part.kind == "Linear" and path != head)
    return lora.targets


def _shown(targets: tuple[str, ...] | str) -> str:
    return repr(targets) if isinstance(targets, str) else "[" + ", ".join(targets) + "]"


# ------------------------------------------------------------------ paths
def _path(part: Part, prefix: str, index: int) -> str:
    """A part's module path: its name, or its place when it is a layer without one; else its parent's."""
    if part.named:
        segment = part.label
    elif not part.children:
        segment = str(index)
    else:
        return prefix
    return f"{prefix}.{segment}" if prefix else segment


def _numbered(path: str, number: int) -> str:
    return f"{path}.{number}" if path else str(number)


def iter_modules(root: Part, prefix: str = "", index: int = 0) -> Iterator[tuple[str, Part]]:
    """(path, one copy) of every module of the model, every copy of a repeat spelt out, parents first;
    `root` is at place `index` under the module at `prefix`."""
    numbering: dict[str, int] = {}
    seen = 0

    def visit(part: Part, prefix: str, index: int) -> Iterator[tuple[str, Part]]:
        nonlocal seen
        path = _path(part, prefix, index)
        paths = [path]
        if part.numbered:
            start = numbering.get(path, 0)
            numbering[path] = start + part.copies
            paths = [_numbered(path, start + n) for n in range(plain(part.copies))]
        seen += len(paths) * part.tree_size
        if seen > MAX_MODULES:
            raise SpecError(
                rules.TOO_LARGE, f"an adapter is matched against at most {MAX_MODULES:,} modules", part.location
            )
        for copy in paths:
            yield copy, part
            for number, child in enumerate(part.children):
                yield from visit(child, copy, number)

    yield from visit(root, prefix, index)


# ------------------------------------------------------------------ the adapted tree
@dataclass
class _Walk:
    lora: Lora
    targets: tuple[str, ...] | str
    matched: bool = False
    numbering: dict[str, int] = field(default_factory=dict)
    seen: int = 0

    def part(self, part: Part, prefix: str, index: int) -> Part:
        path = _path(part, prefix, index)
        if not part.numbered:
            return self._module(part, path)
        self._check_list(path)
        start = self.numbering.get(path, 0)
        self.numbering[path] = start + part.copies
        self.seen += part.copies * part.tree_size
        if self.seen > MAX_MODULES:
            raise SpecError(
                rules.TOO_LARGE, f"an adapter is matched against at most {MAX_MODULES:,} modules", part.location
            )
        one = _one_copy(part)
        copies = [self._module(one, _numbered(path, start + n)) for n in range(plain(part.copies))]
        groups = in_runs([copy._replace(numbered=True) for copy in copies])
        if len(groups) == 1:
            return groups[0]
        return _sum_of(part, f"{part.kind} ×{part.copies}", groups)

    def _module(self, part: Part, path: str) -> Part:
        lora = self.lora
        is_module = bool(path) and part.kind != "Parameter"  # a bare Parameter is a tensor, not a module
        if part.children and all(child.named and child.label.isdigit() for child in part.children):
            self._check_list(path)  # sublayers named by number: transformers' ModuleList (T5's `layer`)
        if is_module and lora.saved(path):
            self._check_saved(part, path)
            return _saved(part)
        if is_module and lora.targets_module(path, self.targets):
            self.matched = True
            return self._adapt(part, path)
        if not part.children:
            self._check_inside(part, path)
            return _frozen(part, lora.bias == "all")
        children = tuple(self.part(child, path, number) for number, child in enumerate(part.children))
        return _rebuilt(part, children)

    def _adapt(self, part: Part, path: str) -> Part:
        lora = self.lora
        if part.children:
            raise SpecError(
                rules.ADAPTER_NOT_COUNTED,
                f"target_modules match {path}, a module of modules: peft refuses most, and adapts a mixture of "
                "experts' routers and experts in ways budget-check does not count",
                lora.location,
            )
        if part.kind not in ADAPTED_KINDS:
            rule = rules.ADAPTER_NOT_COUNTED if part.kind in NOT_COUNTED_KINDS else rules.INVALID_ADAPTER
            what = "budget-check does not count LoRA on it" if part.kind in NOT_COUNTED_KINDS else "peft refuses it"
            raise SpecError(
                rule,
                f"target_modules match {path}, a {part.kind}: LoRA adapts Linear and Embedding layers ({what})",
                lora.location,
            )
        arguments = part.arguments
        rank = lora.rank(path)
        base = _frozen(part, lora.bias != "none")._replace(label="base_layer", named=True)
        if part.kind == "Linear":
            size_in, size_out = arguments["in_features"], arguments["out_features"]
            shapes: dict[str, tuple[int, ...]] = {"lora_A": (rank, size_in), "lora_B": (size_out, rank)}
            if lora.lora_bias:
                shapes["lora_B_bias"] = (size_out,)
        else:
            if lora.lora_bias:
                raise SpecError(
                    rules.INVALID_ADAPTER, f"lora_bias on {path}, an Embedding (peft refuses it)", lora.location
                )
            size_out = arguments["embedding_dim"]
            shapes = {
                "lora_embedding_A": (rank, arguments["num_embeddings"]),
                "lora_embedding_B": (size_out, rank),
            }
        if lora.use_dora:
            shapes["lora_magnitude_vector"] = (size_out,)
        tensors = tuple(_tensor(part, name, shape) for name, shape in shapes.items())
        return _sum_of(part, f"LoRA {part.kind}", (base, *tensors))

    def _check_list(self, path: str) -> None:
        """The list that holds a repeat's copies (torch's ModuleList) can be neither a target nor saved."""
        if self.lora.saved(path) or self.lora.targets_module(path, self.targets):
            what = "a module to save" if self.lora.saved(path) else "a target"
            raise SpecError(
                rules.INVALID_ADAPTER,
                f"{path} is {what}, but it is a list of layers (a ModuleList: peft refuses it)",
                self.lora.location,
            )

    def _check_saved(self, part: Part, path: str) -> None:
        """peft adapts the targets first, then wraps modules_to_save: a module both is refused, and one that
        holds a target or another modules_to_save module is wrapped in ways budget-check does not count."""
        if self.lora.targets_module(path, self.targets):
            raise SpecError(
                rules.INVALID_ADAPTER,
                f"{path} is both a target and a module to save (peft refuses to wrap a LoRA layer)",
                self.lora.location,
            )
        for number, child in enumerate(part.children):
            for key, inner in iter_modules(child, path, number):
                if inner.kind == "Parameter":
                    continue
                if self.lora.saved(key) or self.lora.targets_module(key, self.targets):
                    what = "a module to save" if self.lora.saved(key) else "a target"
                    raise SpecError(
                        rules.ADAPTER_NOT_COUNTED,
                        f"modules_to_save match {path}, which holds {key}, {what} too: peft wraps it inside the "
                        "outer one's wrapper, which budget-check does not count",
                        self.lora.location,
                    )

    def _check_inside(self, part: Part, path: str) -> None:
        """A layer holding modules of its own (TransformerEncoderLayer's linear1): none may be a target."""
        inner = {tensor.name.rpartition(".")[0] for tensor in part.tensors} - {""}
        for name in sorted(inner):
            key = f"{path}.{name}" if path else name
            if self.lora.saved(key) or self.lora.targets_module(key, self.targets):
                raise SpecError(
                    rules.ADAPTER_NOT_COUNTED,
                    f"the adapter matches {key}, inside a {part.kind}: budget-check does not adapt the modules "
                    "inside a torch layer",
                    self.lora.location,
                )


def _tensor(part: Part, name: str, shape: tuple[int, ...]) -> Part:
    """One trainable tensor of the adapter, as a bare Parameter (so that --torch builds it too)."""
    return Part(
        label=name,
        kind="Parameter",
        location=part.location,
        output=part.output,
        params=_numel(shape),
        trainable=_numel(shape),
        buffers=0,
        tensors=(Tensor("", shape),),
        arguments={"size": shape, "requires_grad": True},
        named=True,
    )


def _numel(shape: tuple[int, ...]) -> int:
    count = 1
    for size in shape:
        count *= size
    return count


def _one_copy(part: Part) -> Part:
    """One copy of a repeated part (its children are one copy's already)."""
    copies = part.copies
    return part._replace(
        copies=1,
        params=part.params // copies,
        trainable=part.trainable // copies,
        buffers=part.buffers // copies,
        embedding=(part.embedding - part.embeds_shared) // copies + part.embeds_shared,
        idle=part.idle // copies,
    )


def _is_bias(part: Part, tensor: Tensor) -> bool:
    """peft's test of a bias, on the parameter's full name."""
    name = part.label if part.kind == "Parameter" else tensor.name
    return name == "bias" or name.endswith(".bias")


def _frozen(part: Part, biases: bool) -> Part:
    """A layer frozen by the adapter; with `biases`, its biases train."""
    tensors = tuple(t._replace(trainable=biases and _is_bias(part, t)) for t in part.tensors)
    trainable = sum(t.numel for t in tensors if t.trainable and t.name not in part.shared) * part.copies
    return part._replace(tensors=tensors, trainable=trainable, frozen=False, freezes_shared=0)


def _rebuilt(part: Part, children: tuple[Part, ...]) -> Part:
    """A module whose children were adapted: its counts follow theirs, its shared tensors still counted once."""
    added = sum(new.params - old.params for new, old in zip(children, part.children, strict=True))
    rebuilt = part._replace(
        children=children,
        params=part.params + added * part.copies,
        freezes_shared=0,
        tree_size=1 + sum(child.tree_size for child in children),
    )
    shared_trainable = sum(
        t.numel
        for t in owned_tensors(rebuilt._replace(shared=frozenset(), copies=1))
        if t.trainable and t.name in part.shared
    )
    return rebuilt._replace(trainable=(sum(c.trainable for c in children) - shared_trainable) * part.copies)


def _sum_of(part: Part, kind: str, children: tuple[Part, ...] | list[Part]) -> Part:
    """A module made of `children`, named as `part` was."""
    return Part(
        label=part.label,
        kind=kind,
        location=part.location,
        output=part.output,
        params=sum(child.params for child in children),
        trainable=sum(child.trainable for child in children),
        buffers=sum(child.buffers for child in children),
        embedding=sum(child.embedding for child in children),
        embeds_shared=sum(child.embeds_shared for child in children),
        idle=sum(child.idle for child in children),
        children=tuple(children),
        named=part.named,
        tree_size=1 + sum(child.tree_size for child in children),
    )


def _saved(part: Part) -> Part:
    """modules_to_save: the original, frozen, beside a trainable deep copy of it (which shares no tensor with
    modules outside it: a copied tied head is a head of its own)."""
    inside = {inner.label for inner in _subtree(part) if inner.named}
    original = _copied(part, False, inside)._replace(label="original_module", named=True)
    copy = _copied(part, True, inside)._replace(label="modules_to_save", named=True)
    return _sum_of(part, "ModulesToSaveWrapper", (original, copy))


def _subtree(part: Part) -> Iterator[Part]:
    yield part
    for child in part.children:
        yield from _subtree(child)


def _copied(part: Part, trainable: bool, inside: set[str]) -> Part:
    """The part with every tensor trainable or frozen; a copy (trainable) keeps only the ties inside it."""
    children = tuple(_copied(child, trainable, inside) for child in part.children)
    # A head copied from a tie.
    untied = sum(new.params - old.params for new, old in zip(children, part.children, strict=True))
    part = part._replace(params=part.params + untied * part.copies)
    if trainable and part.tied_to is not None and part.tied_to not in inside:
        params = sum(c.params for c in children) if children else sum(t.numel for t in part.tensors)
        part = part._replace(tied_to=None, shared=frozenset(), params=params * part.copies)
    tensors = tuple(t._replace(trainable=trainable) for t in part.tensors)
    return part._replace(
        children=children,
        tensors=tensors,
        trainable=part.params if trainable else 0,
        frozen=not trainable,
        freezes_shared=0,
        arguments={**part.arguments, "requires_grad": trainable} if part.kind == "Parameter" else part.arguments,
    )
