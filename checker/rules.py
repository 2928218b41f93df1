"""Every finding budget-check can report: one registry, one entry per rule.

A rule has a stable code, a short name, a severity, a category and a help
text. The category decides a spec's status (an `invalid` finding means the
spec could not be counted); the severity decides the exit status and the
SARIF level; `fix_priority` decides which suggestion `--fix` writes when
several findings suggest a value for the same var (higher wins). The help
texts feed docs/cli.md's table (a test keeps the two the same) and SARIF's
rule metadata. Code ranges: BC0xx invalid spec, BC1xx budget, BC2xx matched
width and base revision, BC3xx torch, BC5xx foreign formats.
"""

from __future__ import annotations

from .findings import NOTE, WARNING, Category, Rule

INVALID, BUDGET, MATCH, BASE, TORCH = (
    Category.INVALID,
    Category.BUDGET,
    Category.MATCH,
    Category.BASE,
    Category.TORCH,
)

# ------------------------------------------------------------------ the file and the spec
YAML_SYNTAX = Rule("BC001", "yaml-syntax", INVALID, "The file is not valid YAML.")
DUPLICATE_KEY = Rule(
    "BC002", "duplicate-key", INVALID, "A mapping has the same key twice; YAML would keep only one, silently."
)
UNSAFE_TAG = Rule("BC003", "unsafe-tag", INVALID, "A YAML tag such as `!!python/object`: specs hold plain data only.")
TOO_MANY_NODES = Rule(
    "BC004",
    "too-many-nodes",
    INVALID,
    "The document has over 100,000 nodes, counting what its aliases expand to (a YAML bomb).",
)
NOT_TEXT = Rule("BC005", "not-text", INVALID, "The file is binary or not UTF-8.")
TOO_DEEP = Rule("BC006", "too-deep", INVALID, "The document or the model nests past the depth limit.")
UNREADABLE = Rule(
    "BC007", "unreadable", INVALID, "The file cannot be read (permissions, a dangling link, over 10 MiB)."
)
INTERNAL_ERROR = Rule("BC008", "internal-error", INVALID, "budget-check failed on this file: please report it.")
TOO_LARGE = Rule(
    "BC009", "too-large", INVALID, "The model expands past a limit: too many distinct copies or too large a count."
)
UNKNOWN_KEY = Rule(
    "BC010", "unknown-key", INVALID, "A key that is not part of the language (your own keys start with `x-`)."
)
INVALID_VALUE = Rule("BC011", "invalid-value", INVALID, "A value has the wrong type.")
UNKNOWN_LAYER = Rule("BC012", "unknown-layer", INVALID, "A node names no torch layer, block or preset.")
UNKNOWN_ARGUMENT = Rule("BC013", "unknown-argument", INVALID, "A layer or block is given an argument it does not take.")
MISSING_ARGUMENT = Rule("BC014", "missing-argument", INVALID, "A layer or block lacks a required argument.")
UNKNOWN_SIZE = Rule("BC015", "unknown-size", INVALID, "An input size is left out where the running size is unknown.")
INVALID_LAYER = Rule("BC016", "invalid-layer", INVALID, "torch would refuse to build the layer with these arguments.")
BLOCK_CYCLE = Rule("BC017", "block-cycle", INVALID, "Blocks use each other in a cycle.")
REQUIRE_FAILED = Rule("BC018", "require-failed", INVALID, "A block's `require` condition does not hold.")
INVALID_TIE = Rule(
    "BC019",
    "invalid-tie",
    INVALID,
    "A `tie` names no earlier layer, shares no parameter, or the shared parameters differ in shape.",
)
SIZE_MISMATCH = Rule("BC020", "size-mismatch", INVALID, "The branches of a `parallel` output different sizes.")
INVALID_EXPRESSION = Rule(
    "BC021", "invalid-expression", INVALID, "An expression cannot be read or its value cannot be computed."
)
INVALID_NAME = Rule(
    "BC022", "invalid-name", INVALID, "A var, block or param name is not an identifier, or is taken by a layer."
)
INVALID_NODE = Rule(
    "BC023", "invalid-node", INVALID, "A model node is not a layer name, a mapping with one layer, or a list."
)
MISSING_MODEL = Rule("BC024", "missing-model", INVALID, "The spec has no `model`, or it is empty.")
UNKNOWN_FORMAT = Rule(
    "BC025",
    "unknown-format",
    INVALID,
    "A `# budget-check: format=NAME` line names a format budget-check does not read.",
)

# ------------------------------------------------------------------ budgets
INVALID_BUDGET = Rule("BC100", "invalid-budget", INVALID, "The budget cannot be read.")
OVER_BUDGET = Rule("BC101", "over-budget", BUDGET, "The count is over the maximum.", fix_priority=1)
UNDER_BUDGET = Rule("BC102", "under-budget", BUDGET, "The count is under the minimum.", fix_priority=1)
OFF_TARGET = Rule("BC103", "off-target", BUDGET, "The count is outside the target's tolerance.", fix_priority=1)
TRAINABLE_BUDGET = Rule("BC104", "trainable-budget", BUDGET, "The trainable count breaks its budget.", fix_priority=1)
MEMORY_BUDGET = Rule("BC105", "memory-budget", BUDGET, "Parameter memory breaks its budget.", fix_priority=1)
NON_EMBEDDING_BUDGET = Rule(
    "BC106", "non-embedding-budget", BUDGET, "The count without embedding tables breaks its budget.", fix_priority=1
)
ACTIVE_BUDGET = Rule(
    "BC107", "active-budget", BUDGET, "The count one token uses (mixture of experts) breaks its budget.", fix_priority=1
)

# ------------------------------------------------------------------ matched widths and the base revision
INVALID_MATCH = Rule("BC200", "invalid-match", INVALID, "The `match` key cannot be read.")
MATCH_DRIFT = Rule("BC201", "match-drift", MATCH, "The count has left the reference's tolerance.", fix_priority=2)
BASE_DRIFT = Rule(
    "BC202",
    "base-drift",
    BASE,
    "A note: vars changed since the `--base` revision and moved the count.",
    severity=NOTE,
)

# ------------------------------------------------------------------ Ultralytics model YAML
ULTRALYTICS_UNKNOWN_MODULE = Rule(
    "BC520",
    "ultralytics-unknown-module",
    INVALID,
    "A row names a module that is not a stock Ultralytics module budget-check counts (a fork's, or a newer one); "
    "`--torch` counts the file with the ultralytics installed.",
)
ULTRALYTICS_INVALID_ROW = Rule(
    "BC521",
    "ultralytics-invalid-row",
    INVALID,
    "A row is not `[from, repeats, module, args]`, reads a layer that does not exist, or gives arguments "
    "its module cannot be built with.",
)
ULTRALYTICS_INVALID_KEY = Rule(
    "BC522",
    "ultralytics-invalid-key",
    INVALID,
    "A top-level key of the model file (`nc`, `scales`, `depth_multiple`, `kpt_shape`, ...) has a value "
    "Ultralytics cannot build with.",
)
ULTRALYTICS_SCALE_IGNORED = Rule(
    "BC523",
    "ultralytics-scale-ignored",
    Category.FORMAT,
    "A `scale:` key in the file: Ultralytics ignores it when it loads the file from a path and takes the scale "
    "from the file name (the first scale when the name has none).",
    severity=WARNING,
)
ULTRALYTICS_MISMATCH = Rule(
    "BC525",
    "ultralytics-mismatch",
    TORCH,
    "`--torch`: ultralytics builds the model file with another count than budget-check's; the rows that differ "
    "are listed.",
)
ULTRALYTICS_COUNTED = Rule(
    "BC526",
    "ultralytics-counted",
    TORCH,
    "A note from `--torch`: ultralytics built a model file budget-check cannot count (a fork's module), with "
    "this count.",
    severity=NOTE,
)
ULTRALYTICS_UNKNOWN_SCALE = Rule(
    "BC524",
    "ultralytics-unknown-scale",
    INVALID,
    "The file name carries a scale letter that the file's `scales` does not define.",
)


# ------------------------------------------------------------------ torch
INVALID_TORCH_KEY = Rule("BC300", "invalid-torch-key", INVALID, "The `torch` key cannot be read.")
TORCH_NN_MISMATCH = Rule(
    "BC301", "torch-nn-mismatch", TORCH, "torch.nn builds the spec with another count than budget-check's."
)
MODULE_MISMATCH = Rule(
    "BC302", "module-mismatch", TORCH, "The module's count (or trainable count) differs from the spec's."
)
IMPORT_FAILED = Rule("BC303", "import-failed", TORCH, "The `torch.target` cannot be imported.")
BUILD_FAILED = Rule("BC304", "build-failed", TORCH, "Building the module raised.")
NOT_A_MODULE = Rule("BC305", "not-a-module", TORCH, "The target returned something that is not an `nn.Module`.")
UNCOUNTABLE = Rule("BC306", "uncountable", TORCH, "The module has lazy parameters that only a forward pass sizes.")
TORCH_CRASHED = Rule("BC307", "torch-crashed", TORCH, "Building the module crashed the torch worker or timed out.")
TARGET_NOT_ALLOWED = Rule(
    "BC308", "target-not-allowed", TORCH, "The `torch.target` is not the repository's own code, nor in `torch-allow`."
)

# ------------------------------------------------------------------ Hugging Face configs and adapters
UNKNOWN_CONFIG_KEYS = Rule(
    "BC500",
    "unknown-config-keys",
    Category.FORMAT,
    "A config has keys its family does not know; the count assumes they change nothing (--torch confirms).",
    severity=WARNING,
)
INVALID_CONFIG = Rule("BC501", "invalid-config", INVALID, "A config file is not valid JSON.")
UNCOUNTED_ACTIVATION = Rule(
    "BC507",
    "uncounted-activation",
    INVALID,
    "A config's activation holds parameters budget-check does not count (prelu, xielu), or transformers has no "
    "such activation; --torch counts it with transformers.",
)
UNKNOWN_FAMILY = Rule(
    "BC502",
    "unknown-family",
    INVALID,
    "A config's `model_type` is no family budget-check counts; --torch counts it with transformers.",
)
UNKNOWN_CLASS = Rule(
    "BC503",
    "unknown-class",
    INVALID,
    "A config's `architectures` names a class its family's preset lacks; --torch counts it with transformers.",
)
NO_ARCHITECTURES = Rule(
    "BC504",
    "no-architectures",
    Category.FORMAT,
    "A note: the config names no class in `architectures`, so the base model is counted.",
    severity=NOTE,
)
TRANSFORMERS_MISMATCH = Rule(
    "BC505",
    "transformers-mismatch",
    TORCH,
    "transformers builds the config's class (peft, an adapter on it) with another count than budget-check's (--torch).",
)
TRANSFORMERS_COUNT = Rule(
    "BC506",
    "transformers-count",
    TORCH,
    "A note: the count transformers (peft, for an adapter) gives a model budget-check cannot count itself (--torch).",
    severity=NOTE,
)

ADAPTER_BASE_NOT_FOUND = Rule(
    "BC510",
    "adapter-base-not-found",
    INVALID,
    "An adapter's base model has no config.json in the repository: budget-check never downloads one.",
)
ADAPTER_NOT_COUNTED = Rule(
    "BC511",
    "adapter-not-counted",
    INVALID,
    "An adapter sets an option, or adapts a module, that budget-check does not count.",
)
INVALID_ADAPTER = Rule(
    "BC512",
    "invalid-adapter",
    INVALID,
    "peft would refuse the adapter: no module matches its targets, or it targets one peft cannot adapt.",
)

# ------------------------------------------------------------------ Hydra, LitGPT, timm
NEEDS_TORCH = Rule(
    "BC540",
    "needs-torch",
    Category.FORMAT,
    "A config builds modules budget-check cannot count without running them: --torch counts it.",
    severity=NOTE,
)
LIBRARY_MISMATCH = Rule(
    "BC550",
    "library-mismatch",
    TORCH,
    "`--torch`: the file's own library (timm, LitGPT) builds the model with another count than budget-check's.",
)
LIBRARY_COUNT = Rule(
    "BC551",
    "library-count",
    TORCH,
    "A note from `--torch`: the count the file's own library (timm, LitGPT) gives a model budget-check cannot count.",
    severity=NOTE,
)
HYDRA_COUNT = Rule(
    "BC541",
    "hydra-count",
    TORCH,
    "A note: what Hydra built with --torch and which module of it was counted, for a config budget-check "
    "cannot count itself.",
    severity=NOTE,
)
HYDRA_MISMATCH = Rule(
    "BC542",
    "hydra-mismatch",
    TORCH,
    "Hydra builds the config with another count than budget-check's (--torch).",
)
HYDRA_CONFIG = Rule(
    "BC543",
    "hydra-config",
    TORCH,
    "Hydra cannot compose the config (--torch): a missing config group, plugin or key, or an interpolation "
    "that does not resolve.",
)
NOT_A_MODEL = Rule(
    "BC544",
    "not-a-model",
    Category.FORMAT,
    "A note: the Hydra config builds no torch.nn.Module (a data module, a trainer): nothing to count (--torch).",
    severity=NOTE,
)
AMBIGUOUS_FORMAT = Rule(
    "BC552",
    "ambiguous-format",
    Category.FORMAT,
    "A note: the file has the marks of two formats; it is read as the first, and a "
    "`# budget-check: format=NAME` line chooses.",
    severity=NOTE,
)

# Every rule above, by code, in code order.
RULES: dict[str, Rule] = {
    rule.code: rule
    for rule in sorted((value for value in dict(globals()).values() if isinstance(value, Rule)), key=lambda r: r.code)
}
