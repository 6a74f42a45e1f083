"""Which calls load a Hugging Face model, and which of their arguments names it.

The Python scanner asks :func:`model_arguments` about every call; the rules are listed in
:mod:`catalog.scan.discovery` and the README ("What counts as a model reference").
"""

from __future__ import annotations

import ast
import dataclasses
import re
from dataclasses import dataclass

# sentence-transformers requests these legacy transformers names as written; any other name
# without an organisation becomes "sentence-transformers/<name>" (SentenceTransformer.py).
ST_LEGACY_NAMES = frozenset(
    {
        "albert-base-v1", "albert-base-v2", "albert-large-v1", "albert-large-v2", "albert-xlarge-v1",
        "albert-xlarge-v2", "albert-xxlarge-v1", "albert-xxlarge-v2", "bert-base-cased-finetuned-mrpc",
        "bert-base-cased", "bert-base-chinese", "bert-base-german-cased", "bert-base-german-dbmdz-cased",
        "bert-base-german-dbmdz-uncased", "bert-base-multilingual-cased", "bert-base-multilingual-uncased",
        "bert-base-uncased", "bert-large-cased-whole-word-masking-finetuned-squad",
        "bert-large-cased-whole-word-masking", "bert-large-cased",
        "bert-large-uncased-whole-word-masking-finetuned-squad", "bert-large-uncased-whole-word-masking",
        "bert-large-uncased", "camembert-base", "ctrl", "distilbert-base-cased-distilled-squad",
        "distilbert-base-cased", "distilbert-base-german-cased", "distilbert-base-multilingual-cased",
        "distilbert-base-uncased-distilled-squad", "distilbert-base-uncased-finetuned-sst-2-english",
        "distilbert-base-uncased", "distilgpt2", "distilroberta-base", "gpt2-large", "gpt2-medium", "gpt2-xl",
        "gpt2", "openai-gpt", "roberta-base-openai-detector", "roberta-base", "roberta-large-mnli",
        "roberta-large-openai-detector", "roberta-large", "t5-11b", "t5-3b", "t5-base", "t5-large",
        "t5-small", "transfo-xl-wt103", "xlm-clm-ende-1024", "xlm-clm-enfr-1024", "xlm-mlm-100-1280",
        "xlm-mlm-17-1280", "xlm-mlm-en-2048", "xlm-mlm-ende-1024", "xlm-mlm-enfr-1024", "xlm-mlm-enro-1024",
        "xlm-mlm-tlm-xnli15-1024", "xlm-mlm-xnli15-1024", "xlm-roberta-base",
        "xlm-roberta-large-finetuned-conll02-dutch", "xlm-roberta-large-finetuned-conll02-spanish",
        "xlm-roberta-large-finetuned-conll03-english", "xlm-roberta-large-finetuned-conll03-german",
        "xlm-roberta-large", "xlnet-base-cased", "xlnet-large-cased",
    }
)

# Calls that print, log or raise their arguments: messages about ids, never uses.
PROSE_CALLS = frozenset({"print", "info", "debug", "warning", "warn", "error", "exception", "log", "echo", "secho",
                         "write", "ValueError", "RuntimeError", "TypeError", "Exception"})
ID_KEYWORDS = ("model_name_or_path", "pretrained_model_name_or_path", "base_model_name_or_path",
               "tokenizer_name_or_path", "model_repo", "model_repo_id", "model_id_or_path",  # KServe's
               "model_source",  # Ray Serve LLM: LLMConfig(model_loading_config=dict(model_source="org/m"))
               "model_stub")  # llm-compressor's convert_checkpoint(model_stub="org/m"), model_free_ptq
HUB_DOWNLOADS = ("hf_hub_download", "snapshot_download", "hf_hub_url", "model_info", "list_repo_files",
                 "try_to_load_from_cache", "cached_file", "cached_files")  # the last two: transformers.utils
DATASET_LOADERS = ("load_dataset", "load_from_disk")
# Calls whose arguments are where the code writes, never models it uses. A local folder written
# (LOCAL_OUTPUT_*) is also not a Hub id when the code later loads from it; a Hub repo pushed to
# (push_to_hub, hub_model_id) is, when the code later downloads it.
# Unsloth's merged and GGUF exports (`model.save_pretrained_merged("out", tokenizer)`) too.
OUTPUT_CALLS = ("push_to_hub", "create_repo", "upload_folder", "upload_file", "push_to_hub_merged", "push_to_hub_gguf")
LOCAL_OUTPUT_CALLS = ("save_pretrained", "save_model", "save", "makedirs", "mkdir", "save_to_disk",
                      "to_json_file", "save_config", "save_pretrained_merged", "save_pretrained_gguf")
OUTPUT_KEYWORDS = ("hub_model_id", "run_name", "push_to_hub_model_id")
LOCAL_OUTPUT_KEYWORDS = ("output_dir", "save_dir", "save_directory", "output_path", "logging_dir", "cache_dir",
                         "local_dir")
# (positional index, keywords) of the model for loaders called by name, and whether a bare
# name counts without the catalogue (strong) and whether a value it cannot see is reported.
_NAMED = {
    "SentenceTransformer": (0, ("model_name_or_path",)),
    "SparseEncoder": (0, ("model_name_or_path",)),
    "CrossEncoder": (0, ("model_name_or_path", "model_name")),
    "MLMTransformer": (0, ("model_name_or_path",)),
    "load_adapter": (0, ("peft_model_id", "pretrained_model_name_or_path")),
    "load_lora_weights": (0, ("pretrained_model_name_or_path_or_dict", "pretrained_model_name_or_path")),
    # diffusers' older LoRA loader, UNet2DConditionModel.load_attn_procs("org/lora")
    "load_attn_procs": (0, ("pretrained_model_name_or_path_or_dict",)),
    "load_ip_adapter": (0, ("pretrained_model_name_or_path_or_dict", "pretrained_model_name_or_path")),
    "load_textual_inversion": (0, ("pretrained_model_name_or_path",)),
    "from_single_file": (0, ("pretrained_model_link_or_path", "pretrained_model_name_or_path")),
    "FlagModel": (0, ("model_name_or_path",)),
    "BGEM3FlagModel": (0, ("model_name_or_path",)),
    "FlagReranker": (0, ("model_name_or_path",)),
    # FlagEmbedding's embedders and rerankers (FlagAutoModel.from_finetuned("BAAI/bge-m3") too)
    **dict.fromkeys(("FlagAutoModel", "FlagAutoReranker", "FlagLLMModel", "FlagICLModel", "FlagLLMReranker",
                     "LayerWiseFlagLLMReranker", "LightWeightFlagLLMReranker", "from_finetuned"),
                    (0, ("model_name_or_path",))),
    "LLM": (0, ("model",)),
    "EngineArgs": (0, ("model",)),
    "AsyncEngineArgs": (0, ("model",)),
    "InferenceClient": (0, ("model",)),
    "AsyncInferenceClient": (0, ("model",)),
    "HuggingFaceEmbeddings": (None, ("model_name", "model")),
    **dict.fromkeys(("FastEmbedEmbeddings", "FastEmbedSparse"), (None, ("model_name",))),  # LangChain's fastembed
    "SentenceTransformerEmbeddings": (None, ("model_name", "model")),
    "SentenceTransformersTokenTextSplitter": (None, ("model_name",)),
    "HuggingFaceCrossEncoder": (None, ("model_name",)),
    "HuggingFaceBgeEmbeddings": (None, ("model_name",)),
    "HuggingFaceInstructEmbeddings": (None, ("model_name",)),
    "HuggingFaceEmbedding": (None, ("model_name",)),
    "HuggingFaceEndpoint": (None, ("repo_id",)),
    "HuggingFaceHub": (None, ("repo_id",)),
    # fastembed's models, each named by its upstream Hub id (fastembed downloads its own ONNX copy of it)
    **dict.fromkeys(("TextEmbedding", "SparseTextEmbedding", "LateInteractionTextEmbedding", "ImageEmbedding",
                     "LateInteractionMultimodalEmbedding", "TextCrossEncoder", "Bm25"), (0, ("model_name",))),
    "HuggingFaceInferenceAPI": (None, ("model_name",)),
    "InferenceClientModel": (0, ("model_id",)),
    "HfApiModel": (0, ("model_id",)),
    "TransformersModel": (0, ("model_id",)),
    "VLLMModel": (0, ("model_id",)),
    "MLXModel": (0, ("model_id",)),
    "create_inference_endpoint": (None, ("repository",)),
    "HuggingFaceModel": (0, ("model_id",)),  # BentoML: bentoml.models.HuggingFaceModel("org/m")
    "HuggingFaceInferenceAPIEmbedding": (None, ("model_name",)),
    "HuggingFaceEndpointEmbeddings": (None, ("model", "repo_id")),
    # Haystack's local components, each given its model as model=.
    **dict.fromkeys((
        "SentenceTransformersDocumentEmbedder", "SentenceTransformersTextEmbedder",
        "SentenceTransformersSparseDocumentEmbedder", "SentenceTransformersSparseTextEmbedder",
        "SentenceTransformersSimilarityRanker", "TransformersSimilarityRanker", "HuggingFaceLocalGenerator",
        "HuggingFaceLocalChatGenerator", "TransformersZeroShotTextRouter", "TransformersTextRouter",
        "TransformersZeroShotDocumentClassifier", "ExtractiveReader"), (None, ("model",))),
    # lighteval's model configs of the backends that load Hub weights; InstructorEmbedding.
    **dict.fromkeys(("TransformersModelConfig", "VLLMModelConfig", "SGLangModelConfig",
                     "VLMTransformersModelConfig"), (None, ("model_name",))),
    **dict.fromkeys(("AdapterModelConfig", "DeltaModelConfig"), (None, ("base_model",))),
    "INSTRUCTOR": (0, ("model_name_or_path",)),
    "get_model_from_task": (1, ("model",)),  # optimum's TasksManager.get_model_from_task(task, model)
    # faster-whisper: an org/name, or one of its size names (FASTER_WHISPER_SIZES).
    "WhisperModel": (0, ("model_size_or_path",)),
    "from_model2vec": (0, ("model_id_or_path",)),
    # AutoAWQ's and AutoGPTQ's quantised models: AutoAWQForCausalLM.from_quantized("org/m-AWQ")
    "from_quantized": (0, ("quant_path", "model_name_or_path")),
    "from_distillation": (0, ("model_name",)),
}
# Loaders whose name a project may give its own class too (onnxruntime-genai's WhisperModel builds
# an ONNX graph): imported from another package, they are not the loader.
_OWNERS = {"WhisperModel": ("faster_whisper", "whisperx")}
# faster-whisper's size names and the repositories it downloads for them (its `_MODELS` table,
# faster_whisper/utils.py, as of SYSTRAN/faster-whisper 65882ee, October 2025).
FASTER_WHISPER_SIZES = {
    **{size: f"Systran/faster-whisper-{size}" for size in (
        "tiny", "tiny.en", "base", "base.en", "small", "small.en", "medium", "medium.en",
        "large-v1", "large-v2", "large-v3")},
    "large": "Systran/faster-whisper-large-v3",
    **{f"distil-{size}": f"Systran/faster-distil-whisper-{size}" for size in (
        "small.en", "medium.en", "large-v2", "large-v3")},
    "distil-large-v3.5": "distil-whisper/distil-large-v3.5-ct2",
    "large-v3-turbo": "mobiuslabsgmbh/faster-whisper-large-v3-turbo",
    "turbo": "mobiuslabsgmbh/faster-whisper-large-v3-turbo",
}
# Haystack's Hub API components name their model in a dict: api_params={"model": "org/m"}.
_API_PARAMS = ("HuggingFaceAPIGenerator", "HuggingFaceAPIChatGenerator", "HuggingFaceAPITextEmbedder",
               "HuggingFaceAPIDocumentEmbedder")
# Loaders naming a model and its tokenizer (distilabel, llama-index).
_MODEL_AND_TOKENIZER = {
    "vLLM": ("model", "tokenizer"),
    "TransformersLLM": ("model", "tokenizer"),
    "InferenceEndpointsLLM": ("model_id", "tokenizer_id"),
    "HuggingFaceLLM": ("model_name", "tokenizer_name"),
}
# Loaders that hand their name to sentence-transformers, which requests a bare name from its own
# organisation (LangChain's HuggingFaceEmbeddings("all-MiniLM-L6-v2") downloads
# sentence-transformers/all-MiniLM-L6-v2).
_ST_PREFIXED = frozenset({"SentenceTransformer", "HuggingFaceEmbeddings", "SentenceTransformerEmbeddings",
                          "SentenceTransformersTokenTextSplitter"})
# Packages whose classes have a from_pretrained of their own that loads no Hub model.
_NOT_HUB_PACKAGES = frozenset({"vertexai", "google", "langchain_google_vertexai"})
# Packages whose loaders bear the Hub's names but download from another hub, by its name.
_OTHER_HUBS = {"modelscope": "ModelScope"}
# torch.nn classes whose from_pretrained builds a layer from a weight tensor, not from the Hub.
_TENSOR_CLASSES = frozenset({"Embedding", "EmbeddingBag"})
# Functions that load a model by id when imported from these packages: mlx_lm.load("org/name").
_MODULE_LOADERS = {("mlx_lm", "load"), ("mlx_vlm", "load"), ("mlx_lm", "convert")}
# OpenMMLab-style configs (OpenCompass): dict(type=HuggingFaceCausalLM, path="org/m", tokenizer_path=...).
# A dict whose type is one of these model classes names its model by these keys; a dataset's
# dict (type=HFDataset, path="org/data") does not.
_CONFIG_MODEL_TYPES = ("HuggingFace", "HF", "VLLM", "TurboMind", "LMDeploy")
_CONFIG_NOT_MODELS = ("Dataset", "Evaluator", "Retriever", "Inferencer")
_CONFIG_MODEL_KEYS = ("path", "tokenizer_path", "peft_path", "hf_path")
# Trainers take the model as an object or an id string; these keywords name models (TRL's GRPO
# and RLOO trainers load a reward model from each id among their reward_funcs).
_TRAINER_KEYWORDS = ("model", "ref_model", "reward_model", "teacher_model", "value_model", "draft_model",
                     "reward_funcs")


@dataclass(frozen=True)
class Position:
    """One argument that names a model: what it is, how strict the id test is."""

    node: ast.expr
    context: str
    strong: bool = True
    st_prefix: bool = False  # sentence-transformers' "bare name means sentence-transformers/<name>"
    whisper_sizes: bool = False  # faster-whisper's size names (FASTER_WHISPER_SIZES)
    unresolved: bool = True  # a value discovery cannot see is reported (False where objects are usual)
    parsed_only: bool = False  # ...only when it comes from parsed arguments (trainers also take objects)
    other_hub: str | None = None  # the loader is another hub's (ModelScope's): said, not checked


def callee(call: ast.Call) -> str | None:
    """The name a call is made by: ``f`` for ``f()``, ``m`` for ``x.y.m()``."""
    func = call.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


def keyword(call: ast.Call, *names: str) -> ast.expr | None:
    """The value of the first of ``names`` passed as a keyword."""
    for kw in call.keywords:
        if kw.arg in names:
            return kw.value
    return None


def positional(call: ast.Call, index: int | None) -> ast.expr | None:
    """The ``index``-th positional argument, unless a ``*args`` comes before it."""
    if index is None:
        return None
    args = call.args[: index + 1]
    if len(args) <= index or any(isinstance(a, ast.Starred) for a in args):
        return None
    return args[index]


def is_other_repo_type(call: ast.Call) -> bool:
    """``repo_type="dataset"`` / ``"space"``: the call's ids are not models."""
    repo_type = keyword(call, "repo_type")
    return repo_type is not None and not (isinstance(repo_type, ast.Constant) and repo_type.value in (None, "model"))


def returns_object(call: ast.Call) -> bool:
    """Whether a call returns a loaded model or another object rather than an id string."""
    name = callee(call) or ""
    return bool(name) and (name[0].isupper() or name in ("from_pretrained", "pipeline", "get_peft_model",
                                                        "from_config", "load_model", "prepare_model"))


def model_arguments(call: ast.Call, imported_from: dict[str, str] | None = None) -> list[Position]:
    """The arguments of ``call`` that name a model, each with how to read it.

    ``imported_from`` maps names imported into the module to their package, for loaders
    whose name alone is too common (``load``), and for the loaders of another hub that share
    the Hub's names (``from modelscope import snapshot_download``: its ids are ModelScope's).
    """
    found = _model_arguments(call, imported_from)
    func = call.func
    name = func.id if isinstance(func, ast.Name) else func.value.id if isinstance(func, ast.Attribute) and isinstance(
        func.value, ast.Name) else ""
    hub = _OTHER_HUBS.get((imported_from or {}).get(name, name))
    return [dataclasses.replace(p, other_hub=hub) for p in found] if hub else found


def _model_arguments(call: ast.Call, imported_from: dict[str, str] | None) -> list[Position]:
    name = callee(call)
    found: list[Position | None] = []
    package = (imported_from or {}).get(name or "") if isinstance(call.func, ast.Name) else (
        _owner(call.func) if isinstance(call.func, ast.Attribute) else None)
    if (package, name) in _MODULE_LOADERS:
        found.append(_position(positional(call, 0) or keyword(call, "path_or_hf_repo"), f"{package}.{name}"))
    if name == "from_pretrained" and isinstance(call.func, ast.Attribute):
        receiver = call.func.value
        receiver_name = receiver.id if isinstance(receiver, ast.Name) else receiver.attr if isinstance(
            receiver, ast.Attribute) else None
        if isinstance(receiver, ast.Name) and (imported_from or {}).get(receiver.id) in _NOT_HUB_PACKAGES:
            return []  # Vertex AI's TextEmbeddingModel.from_pretrained("textembedding-gecko")
        if receiver_name in _TENSOR_CLASSES:
            return []  # torch's nn.Embedding.from_pretrained(weights) takes a tensor
        label = f"{receiver_name}.from_pretrained" if receiver_name else "from_pretrained"
        if receiver_name and receiver_name.startswith("PeftModel"):
            # PeftModel.from_pretrained(base_model, adapter_id): the adapter is the Hub repo.
            node = keyword(call, "model_id") or positional(call, 1)
        else:
            # model_name=: unsloth's FastLanguageModel.from_pretrained
            node = positional(call, 0) or keyword(call, "pretrained_model_name_or_path", "repo_id", "model_id",
                                                  "model_name")
        # SetFit builds its body with SentenceTransformer(name): a bare name is sentence-transformers/<name>.
        found.append(_position(node, label, st_prefix=receiver_name == "SetFitModel"))
    elif name == "pipeline":
        model = keyword(call, "model")
        found.append(_position(model or positional(call, 1), "pipeline(model=)" if model else "pipeline()",
                               unresolved=False))
        for extra in ("tokenizer", "feature_extractor", "image_processor"):
            found.append(_position(keyword(call, extra), f"pipeline({extra}=)", unresolved=False))
    elif name in HUB_DOWNLOADS:
        found.append(_position(keyword(call, "repo_id", "path_or_repo_id") or positional(call, 0), name))
    elif name == "from_model_id":  # LangChain's HuggingFacePipeline.from_model_id(model_id=...)
        found.append(_position(keyword(call, "model_id") or positional(call, 0), name))
    elif name == "Transformer" and isinstance(call.func, ast.Attribute) and _owner(call.func) == "models":
        found.append(_position(positional(call, 0) or keyword(call, "model_name_or_path"), "models.Transformer"))
    elif name in _MODEL_AND_TOKENIZER:
        for word in _MODEL_AND_TOKENIZER[name]:
            found.append(_position(keyword(call, word), f"{name}({word}=)"))
    elif name in _NAMED and not (isinstance(call.func, ast.Name) and package and name in _OWNERS
                                 and package not in _OWNERS[name]):
        index, keywords = _NAMED[name]
        node = keyword(call, *keywords) or positional(call, index)
        found.append(_position(node, name, st_prefix=name in _ST_PREFIXED,
                               whisper_sizes=name == "WhisperModel",
                               unresolved=name not in ("InferenceClient", "AsyncInferenceClient")))
    elif name in _API_PARAMS:
        params = keyword(call, "api_params")
        if isinstance(params, ast.Dict):
            model = next((v for k, v in zip(params.keys, params.values, strict=True)
                          if isinstance(k, ast.Constant) and k.value == "model"), None)
            found.append(_position(model, f"{name}(api_params=model)", unresolved=False))
    elif name in ("getenv", "get") and _is_environment(call.func):
        key = positional(call, 0)
        if isinstance(key, ast.Constant) and isinstance(key.value, str) and "model" in key.value.lower():
            default = keyword(call, "default") or positional(call, 1)
            getter = "os.getenv" if name == "getenv" else "os.environ.get"
            found.append(_position(default, f'{getter}("{key.value}") default', strong=False, unresolved=False))
    elif name == "dict" and isinstance(call.func, ast.Name) and _is_model_config(keyword(call, "type")):
        for word in _CONFIG_MODEL_KEYS:
            found.append(_position(keyword(call, word), f"dict(type=..., {word}=)", unresolved=False))
    elif name == "Engine" and package in ("sgl", "sglang"):
        # SGLang's offline engine: sgl.Engine(model_path="org/m")
        found.append(_position(keyword(call, "model_path") or positional(call, 0), "sglang.Engine"))
    elif name == "oneshot" and package == "llmcompressor":
        # llm-compressor's oneshot(model="org/m", recipe=...) loads the model it is given by id.
        found.append(_position(keyword(call, "model"), "oneshot(model=)", parsed_only=True))
    elif name and name.endswith("Trainer"):
        for word in _TRAINER_KEYWORDS:
            node = keyword(call, word)
            # reward_funcs=[accuracy_reward, "org/rm"]: functions and reward models' ids, each on its own.
            for item in node.elts if isinstance(node, ast.List | ast.Tuple) else [node]:
                found.append(_position(item, f"{name}({word}=)", parsed_only=True))
        if keyword(call, "model") is None:
            # SFTTrainer("org/m", ...): the model comes first (a bare word only if the catalogue
            # knows it: Lightning's Trainer takes its accelerator first).
            found.append(_position(positional(call, 0), f"{name}()", strong=False, parsed_only=True))
    if name == "from_single_file":  # diffusers: the single file's model, configured from a Hub repo
        found.append(_position(keyword(call, "config"), "from_single_file(config=)", unresolved=False))
    for kw in call.keywords:
        # peft_model_name_or_path=, teacher_model_name_or_path=: the transformers idiom, any prefix.
        named = kw.arg in ID_KEYWORDS or (kw.arg or "").endswith("_model_name_or_path")
        if named and all(p is None or kw.value is not p.node for p in found):
            found.append(_position(kw.value, f"{name or 'call'}({kw.arg}=)", unresolved=False))
    return [p for p in found if p is not None]


# Names of constants and settings fields that hold a model someone else loads (EMBEDDING_MODEL,
# llm_model_id), unless they name where something is written or another provider's model.
_MODEL_NAME = re.compile(r"model|tokenizer|reranker|embedder|name_or_path|encoder_name|lm_name", re.IGNORECASE)
# (Not "gpt": GPT2_MODEL = "openai-community/gpt2" is a Hub id; API models' names have no org/ or
# an API provider's, which IdCheck refuses.)
_NOT_MODEL_NAME = re.compile(r"output|save|push|upload|hub_model_id|_dir\b|dir_|cache|openai|anthropic|ollama|azure"
                             r"|bedrock|gemini|claude|cohere|groq|mistral_api|type|class|kind|version", re.IGNORECASE)


def is_model_name(name: str) -> bool:
    """Whether a constant or field called ``name`` holds a Hub model's id (``EMBEDDING_MODEL``)."""
    return bool(_MODEL_NAME.search(name)) and not _NOT_MODEL_NAME.search(name)


def _is_model_config(kind: ast.expr | None) -> bool:
    """Whether a config dict's ``type`` (a class, or its registry name) is a model class."""
    name = kind.id if isinstance(kind, ast.Name) else kind.attr if isinstance(kind, ast.Attribute) else (
        kind.value if isinstance(kind, ast.Constant) and isinstance(kind.value, str) else None)
    return bool(name) and name.startswith(_CONFIG_MODEL_TYPES) and not name.endswith(_CONFIG_NOT_MODELS)


def _position(node: ast.expr | None, context: str, **options: bool) -> Position | None:
    return Position(node, context, **options) if node is not None else None


def _owner(func: ast.Attribute) -> str | None:
    value = func.value
    return value.id if isinstance(value, ast.Name) else value.attr if isinstance(value, ast.Attribute) else None


def _is_environment(func: ast.expr) -> bool:
    if isinstance(func, ast.Name):
        return func.id == "getenv"
    return isinstance(func, ast.Attribute) and (func.attr == "getenv" or _owner(func) == "environ")
