"""One small fixture per discovery rule, in the shapes real code has (see README "What counts as a
model reference"). Each case is (files, expected references as (id, file, line), expected
unresolved-reference lines as (file, line))."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from catalog.scan.discovery import scan

Case = tuple[dict[str, str], set[tuple[str, str, int]], set[tuple[str, int]]]

CASES: dict[str, Case] = {
    # -- command lines inside Python -----------------------------------------------------------
    "subprocess list": ({"t.py": '''import subprocess
MODEL = "org/base"
subprocess.run(["accelerate", "launch", "train.py",
                "--model_name_or_path", MODEL, "--output_dir", "out"])
'''}, {("org/base", "t.py", 2)}, set()),
    "f-string of CLI arguments": ({"t.py": '''MODEL = "hf-internal-testing/tiny-sd"
def test_train(tmpdir):
    args = f"""
        train.py
        --pretrained_model_name_or_path={MODEL}
        --output_dir={tmpdir}
        """.split()
    run_command(args)
'''}, {("hf-internal-testing/tiny-sd", "t.py", 3)}, set()),
    "command string with a literal": ({"t.py": '''import os
os.system("huggingface-cli download org/weights --local-dir w")
parser.add_argument("--model", help="e.g. --model org/in-help")
logger.info(f"run with --model_name_or_path org/in-log")
'''}, {("org/weights", "t.py", 2)}, set()),
    # -- loaders --------------------------------------------------------------------------------
    "sentence-transformers loaders": ({"t.py": '''from sentence_transformers import CrossEncoder, SparseEncoder, SentenceTransformer, models
a = SparseEncoder("naver/splade-v3")
b = CrossEncoder("cross-encoder/ms-marco-MiniLM-L6-v2")
c = models.Transformer("FacebookAI/roberta-base")
d = SentenceTransformer("all-MiniLM-L6-v2")
e = SentenceTransformer("distilroberta-base")
'''}, {("naver/splade-v3", "t.py", 2), ("cross-encoder/ms-marco-MiniLM-L6-v2", "t.py", 3),
       ("FacebookAI/roberta-base", "t.py", 4), ("sentence-transformers/all-MiniLM-L6-v2", "t.py", 5),
       ("distilroberta-base", "t.py", 6)}, set()),
    "peft adapters": ({"t.py": '''from peft import PeftModel
model = PeftModel.from_pretrained(base, "org/adapter")
model.load_adapter("org/second-adapter", adapter_name="b")
'''}, {("org/adapter", "t.py", 2), ("org/second-adapter", "t.py", 3)}, set()),
    "diffusers adapters and single files": ({"t.py": '''pipe.load_lora_weights("org/lora")
pipe.load_ip_adapter("h94/IP-Adapter", subfolder="models", weight_name="ip.bin")
p = Pipe.from_single_file("https://huggingface.co/org/sd/blob/main/sd.safetensors")
'''}, {("org/lora", "t.py", 1), ("h94/IP-Adapter", "t.py", 2), ("org/sd", "t.py", 3)}, set()),
    "trainer given an id string": ({"t.py": '''from trl import SFTTrainer, GRPOTrainer
trainer = SFTTrainer(model="Qwen/Qwen2.5-0.5B", train_dataset=ds)
model_obj = AutoModelForCausalLM.from_pretrained("org/obj")
g = GRPOTrainer(model=model_obj, reward_funcs=f)
'''}, {("Qwen/Qwen2.5-0.5B", "t.py", 2), ("org/obj", "t.py", 3)}, set()),
    "tokenizers and processors": ({"t.py": '''tok = AutoTokenizer.from_pretrained("bert-base-uncased")
proc = AutoProcessor.from_pretrained("openai/whisper-tiny")
'''}, {("bert-base-uncased", "t.py", 1), ("openai/whisper-tiny", "t.py", 2)}, set()),
    "lm-eval model_args": ({"t.py": '''results = simple_evaluate(model="hf", model_args="pretrained=EleutherAI/pythia-70m,dtype=float16")
'''}, {("EleutherAI/pythia-70m", "t.py", 1)}, set()),
    "vllm and llama-cpp": ({"t.py": '''llm = LLM(model="meta-llama/Llama-3.2-1B")
gguf = Llama.from_pretrained(repo_id="bartowski/Qwen-GGUF", filename="*Q4_K_M.gguf")
'''}, {("meta-llama/Llama-3.2-1B", "t.py", 1), ("bartowski/Qwen-GGUF", "t.py", 2)}, set()),
    "hub urls": ({"t.py": '''URL = "https://huggingface.co/org/model/resolve/main/config.json"
fs_path = "hf://org/other/weights.safetensors"
data = "https://huggingface.co/datasets/org/data/resolve/main/x.csv"
clone = ["git", "clone", "https://huggingface.co/org/cloned.git"]
'''}, {("org/model", "t.py", 1), ("org/other", "t.py", 2), ("org/cloned", "t.py", 4)}, set()),
    # A link to a model's page is documentation (FastChat's registry links 60 models it does not
    # load); the same link handed to a loader is a use.
    "hub page links": ({"t.py": '''register_model_info(["solar"], "SOLAR", "https://huggingface.co/org/linked", "A model")
tok = AutoTokenizer.from_pretrained("https://huggingface.co/org/loaded")
PAGE = "https://huggingface.co/org/via-constant"
model = AutoModel.from_pretrained(PAGE)
''', "app.js": '''// see https://huggingface.co/org/js-linked
const pipe = await pipeline("text-generation", "org/js-loaded");
'''}, {("org/loaded", "t.py", 2), ("org/via-constant", "t.py", 4), ("org/js-loaded", "app.js", 2)}, set()),
    # FastChat's workers: the flag's value goes to a loader in another module. A flag that reaches
    # a loader here is reported by that loader's rule (with the id that library requests).
    "model flag defaults": ({"worker.py": '''parser.add_argument("--model-path", type=str, default="org/served")
parser.add_argument("--tokenizer_name_or_path", default="org/tok")
launch(f"python -m sglang.launch_server --tokenizer-path org/sglang-tok")
parser.add_argument("--model", default="gpt-3.5-turbo")
parser.add_argument("--output-dir", default="org/out")
parser.add_argument("--embedder", default="all-mpnet-base-v2")
args = parser.parse_args()
st = SentenceTransformer(args.embedder)
''', "cli.py": '''@click.option("--base-model", default="org/clicked")
def main(base_model): ...
'''}, {("org/served", "worker.py", 1), ("org/tok", "worker.py", 2), ("org/sglang-tok", "worker.py", 3),
          ("sentence-transformers/all-mpnet-base-v2", "worker.py", 8), ("org/clicked", "cli.py", 1)},
        {("worker.py", 8)}),
    # open-compass/opencompass names 500 models this way; its dataset dicts use the same keys.
    "model config dicts": ({"configs.py": '''models = [dict(type=HuggingFacewithChatTemplate, abbr="q", path="org/chat",
                    tokenizer_path="org/chat-tok"),
          dict(type=TurboMindModel, path="org/turbo"), dict(type="VLLM", path="org/by-name")]
datasets = [dict(type=HFDataset, path="org/a-dataset"), dict(type=OpenAISDK, path="gpt-4o"),
            dict(abbr="no-type", path="org/unknown-kind")]
'''}, {("org/chat", "configs.py", 1), ("org/chat-tok", "configs.py", 2), ("org/turbo", "configs.py", 3),
          ("org/by-name", "configs.py", 3)}, set()),
    # Kubernetes, Helm and KServe start model servers from container specs; none of these was seen.
    "container specs": ({"tgi.yaml": '''apiVersion: apps/v1
kind: Deployment
spec:
  template:
    spec:
      containers:
        - name: tgi
          args: ["--model-id", "org/tgi", "--num-shard", "1"]
          env:
            - name: MODEL_ID
              value: org/env
            - name: LOG_LEVEL
              value: org/not-a-model
        - name: vllm
          command: ["vllm", "serve", "org/served"]
          args:
            - --tokenizer
            - org/tok
        - name: script
          command:
            - /bin/sh
            - -c
          args:
            - |
              huggingface-cli download org/script-model
        - name: one-line
          command: ["sh", "-c", "vllm serve org/one-line --port 8000"]
        - name: folded
          command:
            - sh
            - -c
            - "bash start.sh leader;
               python3 -m vllm.entrypoints.openai.api_server --model org/folded --port 8080"
'''}, {("org/tgi", "tgi.yaml", 8), ("org/env", "tgi.yaml", 11), ("org/served", "tgi.yaml", 15),
          ("org/tok", "tgi.yaml", 18), ("org/script-model", "tgi.yaml", 25), ("org/one-line", "tgi.yaml", 27),
          ("org/folded", "tgi.yaml", 33)},
        set()),
    # substratusai/kubeai's model catalogue: `url: hf://org/m` (28 of its 32 models were unseen).
    "fetching urls under any key": ({"models.yaml": '''catalog:
  chat:
    url: hf://org/a
    homepage: https://huggingface.co/org/page-link
  extra:
    - hf://org/b
    - https://huggingface.co/org/c/resolve/main/w.gguf
hub_model_id: hf://org/pushed
''', "models.json": '''{"weights": {"source": "https://huggingface.co/org/d/resolve/main/x.gguf"}}
'''}, {("org/a", "models.yaml", 3), ("org/b", "models.yaml", 6), ("org/c", "models.yaml", 7),
          ("org/d", "models.json", 1)}, set()),
    # A deployment names its model as an environment default; zylon-ai/private-gpt's settings did.
    "environment defaults": ({"settings.yaml": '''embedding:
  embedding_hf_model_name: ${PGPT_EMBEDDING_HF_MODEL_NAME:BAAI/bge-small-en-v1.5}
  model_name: "${MODEL_NAME:-org/quoted-default}"
  tokenizer: ${TOKENIZER}
''', "docker-compose.yml": '''services:
  vllm:
    command: --model ${MODEL:-org/compose-default} --port 8000
    environment:
      - MODEL_ID=${MODEL_ID:-org/env-default}
''', "run.sh": '''MODEL=${MODEL:-org/shell-default}
python train.py --model_name_or_path ${BASE:-org/flag-default} --max_len ${LEN:0:5}
'''}, {("BAAI/bge-small-en-v1.5", "settings.yaml", 2), ("org/quoted-default", "settings.yaml", 3),
          ("org/compose-default", "docker-compose.yml", 3), ("org/env-default", "docker-compose.yml", 5),
          ("org/shell-default", "run.sh", 1), ("org/flag-default", "run.sh", 2)}, set()),
    # huggingface's SageMaker Terraform modules take the model this way.
    "terraform": ({"main.tf": '''module "sagemaker-huggingface" {
  source      = "philschmid/sagemaker-huggingface/aws"
  hf_model_id = "org/tf-module"
}
resource "aws_sagemaker_model" "m" {
  primary_container {
    environment = {
      HF_MODEL_ID = "org/tf-env"
    }
  }
}
''', "prod.tfvars": '''model_id = "org/tfvars"
'''}, {("org/tf-module", "main.tf", 3), ("org/tf-env", "main.tf", 8), ("org/tfvars", "prod.tfvars", 1)}, set()),
    # An app's config module names the models other modules load (discovery resolves names within
    # a module, so those loads are unresolved): the constants themselves are the references.
    "model constants of a config module": ({"config.py": '''from pydantic_settings import BaseSettings
EMBEDDING_MODEL = "org/embed"
OPENAI_MODEL = "openai/gpt-4o-mini"
OUTPUT_MODEL_DIR = "org/out"
MODEL_CACHE = "models/cache"
class Settings(BaseSettings):
    llm_model_id: str = Field(default="org/llm")
    reranker: str = "org/rerank"
    model_type: str = "llama/decoder"
''', "app.py": '''from config import EMBEDDING_MODEL
CHAT_MODEL = "org/loaded-here"
st = SentenceTransformer(EMBEDDING_MODEL)
model = AutoModel.from_pretrained(CHAT_MODEL)
'''}, {("org/embed", "config.py", 2), ("org/llm", "config.py", 7), ("org/rerank", "config.py", 8),
          ("org/loaded-here", "app.py", 4)}, set()),
    # Local inference servers that pull from the Hub themselves; none of these was seen.
    "inference server command lines": ({"serve.sh": '''llama-server -hf ggml-org/gemma-3-1b-it-GGUF --port 8080
llama-cli --hf-repo org/hf-repo-GGUF:Q4_K_M --hf-file m.gguf
ollama run hf.co/org/ollama-GGUF:Q4_K_M
ollama run llama3.2
lmdeploy serve api_server org/lmdeploy --server-port 23333
lmdeploy serve proxy --server-name 127.0.0.1 --server-port 8000
trtllm-serve org/trtllm
ls -hf reports/latest
docker run ghcr.io/ggml-org/llama.cpp:server -hf org/in-docker
''', "serve.py": '''subprocess.run(["llama-server", "-hf", "org/py-gguf"])
'''}, {("ggml-org/gemma-3-1b-it-GGUF", "serve.sh", 1), ("org/hf-repo-GGUF", "serve.sh", 2),
          ("org/ollama-GGUF", "serve.sh", 3), ("org/lmdeploy", "serve.sh", 5), ("org/trtllm", "serve.sh", 7),
          ("org/in-docker", "serve.sh", 9), ("org/py-gguf", "serve.py", 1)}, set()),
    # A bare name is a Hub id only if shaped like a legacy one (or a local copy named like a repo):
    # not a test's layer names given to its own factory, an address, or a placeholder.
    "bare names that are no model": ({"test_layers.py": '''import pytest
from transformers import AutoModel, pipeline

CASES = [("emb", "EmbConv1D"), ("conv", "Conv2d"), ("legacy", "gpt2")]


@pytest.mark.parametrize("name, model_id", CASES)
def test_layers(name, model_id):
    model = self.transformers_class.from_pretrained(model_id)


def test_client():
    client = InferenceClientModel(model_id="test-model")
    other = AutoModel.from_pretrained("fake-model-2")
    classifier = pipeline(model="distilbert-base-uncased-finetuned-sst-2-english")
    local = AutoModel.from_pretrained("Llama-3.1-8B")
'''}, {("gpt2", "test_layers.py", 9), ("distilbert-base-uncased-finetuned-sst-2-english", "test_layers.py", 15),
       ("Llama-3.1-8B", "test_layers.py", 16)}, set()),
    # Documentation inside code: a doctest string's example download and a Markdown link to a
    # model's license in a model card template are not uses.
    "documentation strings": ({"pipe.py": '''EXAMPLE_DOC_STRING = """
    Examples:
        >>> image = load_image("https://huggingface.co/org/doc-example/resolve/main/canny.jpg")
"""
WEIGHTS = "https://huggingface.co/org/weights/resolve/main/w.bin"


def card(base_model):
    return f"""
## Download model
Please adhere to the licensing terms as described [here](https://huggingface.co/org/licensed/blob/main/LICENSE.md).
"""
'''}, {("org/weights", "pipe.py", 5)}, set()),
    # hf:// URIs may spell out the repository's type, singular or plural (huggingface_hub's own tests).
    "hf uris with a repository type": ({"fs.py": '''from huggingface_hub import HfFileSystem
fs = HfFileSystem()
weights = fs.open("hf://models/org/typed/model.safetensors")
legacy = fs.open("hf://model/org/singular/config.json")
data = fs.open("hf://dataset/org/not-a-model/train.csv")
space = fs.open("hf://spaces/org/not-a-model-either/app.py")
'''}, {("org/typed", "fs.py", 3), ("org/singular", "fs.py", 4)}, set()),
    # A picture kept in a model's repository is not the model: a gallery's icon, a test's input image.
    "pictures in model repositories": ({"gallery.yaml": '''- name: chibi-3b
  icon: https://huggingface.co/org/original/resolve/main/chibi.jpg
  files:
    - uri: https://huggingface.co/org/quantised-GGUF/resolve/main/model.Q4_K_M.gguf
''', "test_pipe.py": '''image = load_image("https://huggingface.co/org/controlnet/resolve/main/images/bird.png")
weights = "https://huggingface.co/org/weights/resolve/main/model.safetensors"
'''}, {("org/quantised-GGUF", "gallery.yaml", 4), ("org/weights", "test_pipe.py", 2)}, set()),
    # A version constant named for a tokenizer, and "not available", are no model.
    "versions and n/a": ({"import_utils.py": '''_tokenizers_version = "N/A"
EMBEDDING_MODEL_VERSION = "2024/11"
TOKENIZER_NAME = "n/a"
RERANKER_MODEL = "org/reranker"
'''}, {("org/reranker", "import_utils.py", 4)}, set()),
    # HfArgumentParser's help text lives in a field's metadata dict: prose, like argparse's help=.
    "help in field metadata": ({"arguments.py": '''from dataclasses import dataclass, field


@dataclass
class TTSArguments:
    voice: str = field(default="jean", metadata={"help": "A preset, or a Hub path like 'hf://org/voices/...'."})
    model_name: str = field(default="org/tts", metadata={"help": "The TTS model."})
'''}, {("org/tts", "arguments.py", 7)}, set()),
    # SetFit hands a bare name to SentenceTransformer, which requests it from its organisation.
    "setfit bodies": ({"fewshot.py": '''from setfit import SetFitModel
parser.add_argument("--model", default="paraphrase-mpnet-base-v2")
args = parser.parse_args()
model = SetFitModel.from_pretrained(args.model)
tuned = SetFitModel.from_pretrained("org/setfit-head")
'''}, {("sentence-transformers/paraphrase-mpnet-base-v2", "fewshot.py", 4), ("org/setfit-head", "fewshot.py", 5)},
        {("fewshot.py", 4)}),
    # Unsloth writes its merged export where it later loads it from: a local folder.
    "unsloth exports": ({"merge.py": '''from unsloth import FastLanguageModel
model.save_pretrained_merged("merged_16bit", tokenizer, save_method="merged_16bit")
model.push_to_hub_merged("me/merged", tokenizer)
merged, tokenizer = FastLanguageModel.from_pretrained(model_name="merged_16bit")
'''}, set(), set()),
    # RAG and speech apps: Haystack, LlamaIndex, LangChain, faster-whisper.
    "rag and speech frameworks": ({"rag.py": '''doc_embedder = SentenceTransformersDocumentEmbedder(model="org/hs-doc")
generator = HuggingFaceLocalGenerator(model="org/hs-gen", task="text-generation")
api = HuggingFaceAPIGenerator(api_type="serverless_inference_api", api_params={"model": "org/hs-api"})
ranker = TransformersSimilarityRanker(model="org/hs-ranker")
llm = HuggingFaceLLM(model_name="org/li-llm", tokenizer_name="org/li-tok")
emb = HuggingFaceEndpointEmbeddings(model="org/lc-embed")
''', "speech.py": '''from faster_whisper import WhisperModel
small = WhisperModel("small")
distil = WhisperModel("distil-large-v3", device="cuda")
own = WhisperModel("org/whisper-ct2")
turbo = WhisperModel("turbo")
large = WhisperModel("large")
'''}, {("org/hs-doc", "rag.py", 1), ("org/hs-gen", "rag.py", 2), ("org/hs-api", "rag.py", 3),
          ("org/hs-ranker", "rag.py", 4), ("org/li-llm", "rag.py", 5), ("org/li-tok", "rag.py", 5),
          ("org/lc-embed", "rag.py", 6), ("Systran/faster-whisper-small", "speech.py", 2),
          ("Systran/faster-distil-whisper-large-v3", "speech.py", 3), ("org/whisper-ct2", "speech.py", 4),
          ("mobiuslabsgmbh/faster-whisper-large-v3-turbo", "speech.py", 5),
          ("Systran/faster-whisper-large-v3", "speech.py", 6)}, set()),
    # A LiteLLM proxy config: provider/model names. Only the providers that serve a Hub model name one.
    "api provider names": ({"litellm_config.yaml": '''model_list:
  - model_name: gpt-4o
    litellm_params:
      model: openai/gpt-4o
  - model_name: claude
    litellm_params:
      model: anthropic/claude-3-5-sonnet-20240620
  - model_name: llama
    litellm_params:
      model: huggingface/meta-llama/Llama-3.1-8B-Instruct
  - model_name: local
    litellm_params:
      model: hosted_vllm/org/served
  - model_name: groq
    litellm_params:
      model: groq/llama3-8b-8192
  - model_name: whisper
    litellm_params:
      model: openai/whisper-large-v3
''', "aider.sh": '''aider --model openai/gpt-4o-mini
python serve.py --model huggingface/together/org/via-provider
python serve.py --model databricks/dbrx-instruct
'''}, {("meta-llama/Llama-3.1-8B-Instruct", "litellm_config.yaml", 10), ("org/served", "litellm_config.yaml", 13),
          ("openai/whisper-large-v3", "litellm_config.yaml", 19), ("org/via-provider", "aider.sh", 2),
          ("databricks/dbrx-instruct", "aider.sh", 3)}, set()),
    # Serving frameworks: Ray Serve LLM (Python and YAML), BentoML.
    "serving frameworks": ({"serve.py": '''llm_config = LLMConfig(model_loading_config=dict(model_id="qwen-0.5b",
                                                       model_source="org/ray-model"))
model = bentoml.models.HuggingFaceModel("org/bento-model")
''', "serve.yaml": '''applications:
  - args:
      llm_configs:
        - model_loading_config:
            model_id: qwen-0.5b
            model_source: org/ray-yaml
'''}, {("org/ray-model", "serve.py", 2), ("org/bento-model", "serve.py", 3), ("org/ray-yaml", "serve.yaml", 6)},
        set()),
    # This repository's own code: a tuple of flag words read as a command line named "download"
    # (after --pretrained), and a test's code string named its variable MODEL.
    "bare words in command lines": ({"words.py": '''_COMMAND_WORDS = ("--model", "--tokenizer", "--pretrained", "download ")
CASE = \'\'\'subprocess.run(["accelerate", "launch", "--model_name_or_path", MODEL])\'\'\'
''', "train.sh": '''python train.py --model_name_or_path gpt2
python train.py --model_name_or_path ckpt
python train.py --model_name_or_path bert-base-uncased
'''}, {("gpt2", "train.sh", 1), ("bert-base-uncased", "train.sh", 3)}, set()),
    "import alias of a loader": ({"t.py": '''from transformers import pipeline as hf_pipeline
p = hf_pipeline("text-generation", model="org/aliased")
'''}, {("org/aliased", "t.py", 2)}, set()),
    "agent, synthetic-data and mlx loaders": ({"t.py": '''from mlx_lm import load
from distilabel.models import vLLM
model, tokenizer = load("mlx-community/Qwen-4bit")
llm = vLLM(model="Qwen/Qwen2.5-72B-Instruct", tokenizer="Qwen/Qwen2.5-72B-Instruct")
agent_model = InferenceClientModel("meta-llama/Llama-3.1-70B-Instruct")
'''}, {("mlx-community/Qwen-4bit", "t.py", 3), ("Qwen/Qwen2.5-72B-Instruct", "t.py", 4),
       ("meta-llama/Llama-3.1-70B-Instruct", "t.py", 5)}, set()),
    "container environment dict": ({"t.py": '''hub = {"HF_MODEL_ID": "distilbert-base-uncased-distilled-squad", "HF_TASK": "question-answering"}
model = HuggingFaceModel(env=hub, role=role)
'''}, {("distilbert-base-uncased-distilled-squad", "t.py", 1)}, set()),
    # -- data flow ----------------------------------------------------------------------------------
    "conditional default": ({"t.py": '''import sys
name = sys.argv[1] if len(sys.argv) > 1 else "org/default"
model = AutoModel.from_pretrained(name)
'''}, {("org/default", "t.py", 2)}, set()),
    "argparse default": ({"t.py": '''parser.add_argument("--model-name", default="org/arg-default")
args = parser.parse_args()
model = AutoModel.from_pretrained(args.model_name)
'''}, {("org/arg-default", "t.py", 1)}, {("t.py", 3)}),
    "click option default": ({"t.py": '''@click.option("--model", default="org/click-default")
def main(model):
    return AutoModel.from_pretrained(model)
'''}, {("org/click-default", "t.py", 1)}, set()),
    "typer option default": ({"t.py": '''def main(model: str = typer.Option("org/typer-default")):
    return AutoModel.from_pretrained(model)
'''}, {("org/typer-default", "t.py", 1)}, set()),
    "HfArgumentParser dataclass field": ({"t.py": '''@dataclass
class ModelArguments:
    base_model: str = field(default="org/field-default")
margs, = HfArgumentParser(ModelArguments).parse_args_into_dataclasses()
model = AutoModel.from_pretrained(margs.base_model)
'''}, {("org/field-default", "t.py", 3)}, {("t.py", 5)}),
    "dict and list literals indexed later": ({"t.py": '''MODELS = {"small": "org/a", "large": "org/b"}
SIZES = ["org/c", "org/d"]
m = AutoModel.from_pretrained(MODELS[size])
for name in SIZES:
    tok = AutoTokenizer.from_pretrained(name)
'''}, {("org/a", "t.py", 1), ("org/b", "t.py", 1), ("org/c", "t.py", 2), ("org/d", "t.py", 2)}, set()),
    "os.getenv default": ({"t.py": '''import os
name = os.getenv("EMBEDDER", "BAAI/bge-small-en-v1.5")
emb = SentenceTransformer(name)
'''}, {("BAAI/bge-small-en-v1.5", "t.py", 2)}, set()),
    "functools.partial": ({"t.py": '''from functools import partial
load = partial(AutoModel.from_pretrained, "org/partial")
'''}, {("org/partial", "t.py", 2)}, set()),
    "function default and call-site argument": ({"t.py": '''def load(name="org/param-default"):
    return AutoModel.from_pretrained(name)
def build(base):
    return AutoModel.from_pretrained(base)
build("org/call-site")
'''}, {("org/param-default", "t.py", 1), ("org/call-site", "t.py", 5)}, set()),
    # -- false positives to avoid -------------------------------------------------------------------
    "outputs are not uses": ({"t.py": '''model = AutoModel.from_pretrained("org/base")
model.push_to_hub("me/finetuned")
args = TrainingArguments(output_dir="out/run", hub_model_id="me/other")
output_dir = "my-adapter"
model.save_pretrained(output_dir)
again = AutoModel.from_pretrained(output_dir)
local = AutoModel.from_pretrained("models/my-base-7b")
'''}, {("org/base", "t.py", 1)}, set()),
    "datasets and other providers": ({"t.py": '''ds = load_dataset("org/dataset")
f = hf_hub_download("org/data", "x.csv", repo_type="dataset")
client.chat.completions.create(model="meta-llama/Llama-3-8b-instruct", messages=m)
ollama = ChatOllama(model="llama3")
'''}, set(), set()),
    # -- unresolved ----------------------------------------------------------------------------------
    "unresolved values are reported at the call": ({"t.py": '''def load(cfg, name):
    a = AutoModel.from_pretrained(
        cfg.model_path)
    b = AutoTokenizer.from_pretrained(f"{name}-tok")
    c = AutoModel.from_pretrained(name)  # catalog: org/declared
'''}, {("org/declared", "t.py", 5)}, {("t.py", 2), ("t.py", 4)}),
    # -- configuration and environment files ---------------------------------------------------------
    "yaml keys under any parent": ({"c.yaml": '''trainer:
  tokenizer_config: org/tok
  reward_model: org/rm
  ref_model: org/ref
  teacher_model: org/teacher
  draft_model: org/draft
rag:
  embedding_model: BAAI/bge-m3
  reranker: BAAI/bge-reranker-v2-m3
output_dir: out/x
hub_model_id: me/out
'''}, {("org/tok", "c.yaml", 2), ("org/rm", "c.yaml", 3), ("org/ref", "c.yaml", 4),
       ("org/teacher", "c.yaml", 5), ("org/draft", "c.yaml", 6), ("BAAI/bge-m3", "c.yaml", 8),
       ("BAAI/bge-reranker-v2-m3", "c.yaml", 9)}, set()),
    "camelCase keys and Hub-sourced mappings": ({"values.yaml": '''servingEngineSpec:
  modelSpec:
    - name: llama
      modelURL: "meta-llama/Llama-3.1-8B-Instruct"
      adapterSource:
        type: huggingface
        repository: nvidia/nemoguard-topic-control
'''}, {("meta-llama/Llama-3.1-8B-Instruct", "values.yaml", 4), ("nvidia/nemoguard-topic-control", "values.yaml", 7)},
        set()),
    "transformers.js": ({"app.js": '''import { pipeline } from "@huggingface/transformers";
const generator = await pipeline(
  "text-generation",
  "HuggingFaceTB/SmolLM2-135M-Instruct",
);
'''}, {("HuggingFaceTB/SmolLM2-135M-Instruct", "app.js", 4)}, set()),
    ".env files": ({".env": "MODEL_ID=org/env-model\nOTHER=x\nVLLM_TOKENIZER=org/env-tok\nTOKENIZERS_PARALLELISM=false\n",
                    "docker.env": "EMBEDDING_MODEL=org/emb\n",
                    ".env.example": "LLM_MODEL=org/example\n"},
                   {("org/env-model", ".env", 1), ("org/env-tok", ".env", 3), ("org/emb", "docker.env", 1),
                    ("org/example", ".env.example", 1)},
                   set()),
    # A comment that only starts like an annotation is prose; a rate limit is no model.
    "prose after catalog: and rate limits": ({"app.py": '''import os
from transformers import AutoModel
# catalog: Codex would return a list here
LIMITER = os.getenv("STATUS_LIMITER_MODEL", "1/second")
m = AutoModel.from_pretrained(os.getenv("MODEL_ID", "org/real"))  # catalog: org/declared # pinned
'''}, {("org/real", "app.py", 5), ("org/declared", "app.py", 5)}, set()),
    # Model-named fields of a settings holder are its configuration; a test stub's or an API
    # request schema's fields are not.
    "fields of settings classes only": ({"app.py": '''from dataclasses import dataclass
class ServerConfig:
    embedding_model = "org/configured"
@dataclass
class TrainingArgs:
    teacher_model: str = "org/teacher"
class _FakeBackend:
    active_model_name = "org/stub"
class EmbeddingInput(BaseModel):
    model: str = "default/not-specified"
'''}, {("org/configured", "app.py", 3), ("org/teacher", "app.py", 6)}, set()),
    # A command line a test compares with is not run; the one it runs is.
    "compared command lines": ({"test_cli.py": '''import subprocess
def test_args(cfg):
    assert build_cli_args(cfg) == ["--model", "org/compared"]
    assert "--model org/compared-text" in render(cfg)
    subprocess.run(["vllm", "serve", "--model", "org/run"], check=True)
'''}, {("org/run", "test_cli.py", 5)}, set()),
    # A test's cases and a loop over rows hand each value to the loader.
    "parametrized tests and loops over rows": ({"test_models.py": '''import pytest
from transformers import AutoModel, AutoTokenizer
@pytest.mark.parametrize("base_model", ["org/case-a", "org/case-b"])
def test_tokenizer(base_model):
    AutoTokenizer.from_pretrained(base_model)
@pytest.mark.parametrize("name, trust", [("org/row-a", True), pytest.param("org/row-b", False, id="b")])
def test_model(name, trust):
    AutoModel.from_pretrained(name, trust_remote_code=trust)
for model_id, _ in [("org/loop-a", 1), ("org/loop-b", 2)]:
    AutoModel.from_pretrained(model_id)
VARIANTS = [("org/variant", False)]
@pytest.mark.parametrize("repo_id,flag", VARIANTS)
def test_variant(repo_id, flag):
    AutoModel.from_pretrained(repo_id)
'''}, {("org/variant", "test_models.py", 11), ("org/case-a", "test_models.py", 3), ("org/case-b", "test_models.py", 3), ("org/row-a", "test_models.py", 6),
         ("org/row-b", "test_models.py", 6), ("org/loop-a", "test_models.py", 9), ("org/loop-b", "test_models.py", 9)},
     set()),
    # guidance's tests: one parameter's case marked xfail is still a case.
    "a one-parameter case wrapped in pytest.param": ({"test_chat.py": '''import pytest
from transformers import AutoTokenizer
@pytest.mark.parametrize("model_id", [
    "org/plain",
    pytest.param("org/marked", marks=pytest.mark.xfail(reason="gated")),
])
def test_template(model_id):
    AutoTokenizer.from_pretrained(model_id)
'''}, {("org/plain", "test_chat.py", 4), ("org/marked", "test_chat.py", 5)}, set()),
    # fastembed's, TRL's and FlagEmbedding's loaders; a stand-in's name; whisperX's role flag.
    "fastembed, TRL and FlagEmbedding loaders": ({"embed.py": '''import argparse
from fastembed import Bm25, ImageEmbedding, LateInteractionTextEmbedding, SparseTextEmbedding, TextCrossEncoder
from FlagEmbedding import FlagAutoModel, FlagICLModel, LayerWiseFlagLLMReranker
from sentence_transformers import SentenceTransformer
from trl import GRPOTrainer, SFTTrainer
sparse = SparseTextEmbedding("prithivida/Splade_PP_en_v1")
late = LateInteractionTextEmbedding(model_name="colbert-ir/colbertv2.0")
image, rerank, bm25 = ImageEmbedding("Qdrant/clip-ViT-B-32-vision"), TextCrossEncoder("Xenova/ms-marco-MiniLM-L-6-v2"), Bm25("Qdrant/bm25")
REWARD = "org/reward-b"
GRPOTrainer(model="org/policy", reward_funcs=[len, REWARD])
SFTTrainer("org/sft-base", train_dataset=None)
FlagAutoModel.from_finetuned("BAAI/bge-m3", use_fp16=True)
FlagICLModel("BAAI/bge-en-icl"), LayerWiseFlagLLMReranker("BAAI/bge-reranker-v2-minicpm-layerwise")
SentenceTransformer("PATH_TO_MODEL")
parser = argparse.ArgumentParser()
parser.add_argument("--diarize_model", default="pyannote/speaker-diarization-community-1")
parser.add_argument("--output_model", default="me/out-model")
class Tuner:
    def train(self):
        return SFTTrainer(model=self.model, args=self.args)
''', "run.sh": '''olive finetune -m meta-llama/Llama-2-7b-hf -d nampdn-ai/tiny-codes -o out
torchrun -m FlagEmbedding.finetune.embedder --embedder_name_or_path BAAI/bge-base-en-v1.5 --output_dir out
python eval.py --reranker_name_or_path BAAI/bge-reranker-base
'''}, {("prithivida/Splade_PP_en_v1", "embed.py", 6), ("colbert-ir/colbertv2.0", "embed.py", 7),
       ("Qdrant/clip-ViT-B-32-vision", "embed.py", 8), ("Xenova/ms-marco-MiniLM-L-6-v2", "embed.py", 8),
       ("Qdrant/bm25", "embed.py", 8), ("org/reward-b", "embed.py", 9), ("org/policy", "embed.py", 10),
       ("org/sft-base", "embed.py", 11), ("BAAI/bge-m3", "embed.py", 12), ("BAAI/bge-en-icl", "embed.py", 13),
       ("BAAI/bge-reranker-v2-minicpm-layerwise", "embed.py", 13),
       ("pyannote/speaker-diarization-community-1", "embed.py", 16),
       ("meta-llama/Llama-2-7b-hf", "run.sh", 1), ("BAAI/bge-base-en-v1.5", "run.sh", 2),
       ("BAAI/bge-reranker-base", "run.sh", 3)}, set()),
    # torchchat: a model's download URLs listed under a key (JSON and TOML; YAML read them already),
    # and transformers' cached_file, which downloads from the Hub.
    "Hub URLs in a configuration's lists, cached_file": ({"models.json": '''{"stories15M": {
  "distribution_path": [
    "https://huggingface.co/karpathy/tinyllamas/resolve/main/stories15M.pt",
    "https://github.com/karpathy/llama2.c/raw/master/tokenizer.model"
  ]},
 "llama3.2-1b": {"distribution_channel": "HuggingFaceSnapshot", "distribution_path": "meta-llama/Llama-3.2-1B"},
 "outputs": {"output_dir": ["https://huggingface.co/me/pushed/resolve/main/x.pt"]}}
''', "urls.toml": '''[weights]
urls = ["https://huggingface.co/org/weights/resolve/main/model.safetensors"]
''', "checkpoint.py": '''from transformers.utils import cached_file
def weights(name):
    return cached_file(name, "model.safetensors.index.json")
index = cached_file("org/sharded", "model.safetensors.index.json")
'''}, {("karpathy/tinyllamas", "models.json", 3), ("meta-llama/Llama-3.2-1B", "models.json", 6),
       ("org/weights", "urls.toml", 2),
       ("org/sharded", "checkpoint.py", 4)}, {("checkpoint.py", 3)}),
    # HELM's model deployments: an entry whose client is another provider's API names that API's
    # models (625 models reported, 761 lines wrong); the tokenizer it downloads to count tokens
    # for that API is still a download.
    "entries of another provider's API client": ({"model_deployments.yaml": '''model_deployments:
  - name: openai/gpt-4o-2024-05-13
    model_name: openai/gpt-4o-2024-05-13
    tokenizer_name: openai/o200k_base
    client_spec:
      class_name: "helm.clients.openai_client.OpenAIClient"
  - name: together/llama-7b
    model_name: meta/llama-7b
    tokenizer_name: hf-internal-testing/llama-tokenizer
    client_spec:
      class_name: "helm.clients.together_client.TogetherClient"
      args:
        together_model: huggyllama/llama-7b
  - name: huggingface/gemma-2-9b-it
    model_name: google/gemma-2-9b-it
    tokenizer_name: google/gemma-2-9b
    client_spec:
      class_name: "helm.clients.huggingface_client.HuggingFaceClient"
''', "agents.json": '''{"planner": {"provider": "anthropic", "model": "acme/claude-like"},
 "embedder": {"provider": "huggingface", "model": "BAAI/bge-small-en-v1.5"}}
'''}, {("hf-internal-testing/llama-tokenizer", "model_deployments.yaml", 9),
       ("google/gemma-2-9b-it", "model_deployments.yaml", 15), ("google/gemma-2-9b", "model_deployments.yaml", 16),
       ("BAAI/bge-small-en-v1.5", "agents.json", 2)}, set()),
    # AutoGPTQ's examples (vendored in OLMo): a name saying only "folder" holds the Hub repository the
    # folder is downloaded from; one saying output, cache or temporary holds a place the code writes.
    "a folder's name holding a Hub id": ({"basic_usage.py": '''from transformers import AutoTokenizer
pretrained_model_dir = "facebook/opt-125m"
quantized_model_dir = "opt-125m-4bit"
output_dir = "me/finetuned"
cache_dir = "org/cache-like"
AutoTokenizer.from_pretrained(pretrained_model_dir, use_fast=True)
AutoTokenizer.from_pretrained(quantized_model_dir)
AutoTokenizer.from_pretrained(output_dir)
AutoTokenizer.from_pretrained(cache_dir)
def load(model_dir, save_dir):
    AutoTokenizer.from_pretrained(model_dir)
    AutoTokenizer.from_pretrained(str(save_dir))
'''}, {("facebook/opt-125m", "basic_usage.py", 2)}, {("basic_usage.py", 11)}),
    # DeepSpeedExamples' sweep: a quoted list of models in one shell variable (only the first was read).
    "models listed in one quoted shell variable": ({"sweep.sh": '''opt_models="facebook/opt-125m facebook/opt-1.3b"
MODEL_ID="org/single" python run.py --tag "a b"
for m in $opt_models; do bash run_model.sh $m; done
'''}, {("facebook/opt-125m", "sweep.sh", 1), ("facebook/opt-1.3b", "sweep.sh", 1), ("org/single", "sweep.sh", 2)},
     set()),
    # Langchain-Chatchat: modelscope's loaders bear the Hub's names; their ids are ModelScope's.
    "another hub's loaders": ({"split.py": '''from modelscope import AutoModelForCausalLM, snapshot_download
from modelscope.pipelines import pipeline
from transformers import AutoTokenizer
MODEL_ID = "qwen/Qwen-7B-Chat"
path = snapshot_download(MODEL_ID)
seg = pipeline(task="document-segmentation", model="damo/nlp_bert_document-segmentation_chinese-base")
m = AutoModelForCausalLM.from_pretrained("qwen/Qwen-7B-Chat")
t = AutoTokenizer.from_pretrained("Qwen/Qwen-7B-Chat")
'''}, {("Qwen/Qwen-7B-Chat", "split.py", 8)}, {("split.py", 5), ("split.py", 6), ("split.py", 7)}),
    # AutoAWQ's quantised models and llm-compressor's entry points (its YAML configs' model_stub too).
    "quantisation toolkits": ({"quantise.py": '''from awq import AutoAWQForCausalLM
from llmcompressor import oneshot
from llmcompressor.entrypoints.model_free import model_free_ptq
model = AutoAWQForCausalLM.from_quantized("TheBloke/Mistral-7B-v0.1-AWQ", fuse_layers=True)
oneshot(model="nm-testing/tinysmokellama-3.2", recipe="recipe.yaml")
import sglang as sgl
engine = sgl.Engine(model_path="nvidia/Llama-3.1-8B-Instruct-FP8")
model_free_ptq(model_stub="org/free", save_directory="out")
def run(m):
    oneshot(model=m, recipe="r.yaml")
''', "compression.yaml": '''model_stub: "TinyLlama/TinyLlama-1.1B-intermediate-step-1431k-3T"
compressed_model_stub: org/compressed
'''}, {("TheBloke/Mistral-7B-v0.1-AWQ", "quantise.py", 4), ("nm-testing/tinysmokellama-3.2", "quantise.py", 5),
       ("org/free", "quantise.py", 8), ("nvidia/Llama-3.1-8B-Instruct-FP8", "quantise.py", 7), ("TinyLlama/TinyLlama-1.1B-intermediate-step-1431k-3T", "compression.yaml", 1),
       ("org/compressed", "compression.yaml", 2)}, set()),
    # whisper.cpp's upload script writes a model card whose usage block downloads the model it uploads.
    "a model card's Markdown": ({"upload.py": '''import subprocess
REPO_ID = "ggml-org/parakeet-GGUF"
card = [
    "## Usage",
    "```console",
    f"hf download {REPO_ID} model.gguf --local-dir models",
    "```",
]
TEMPLATE = """# Model
```bash
huggingface-cli download org/in-template
```
"""
subprocess.run(["hf", "download", "org/really-run"])
'''}, {("org/really-run", "upload.py", 14)}, set()),
    # DeepSpeedExamples: an organisation's model named in part by a variable is unseen, and said so;
    # a local folder so named is not.
    "a model named in part by a shell variable": ({"run.sh": '''TASK_NAME=sst2
MODEL=yoshitomo-matsubara/bert-base-uncased-${TASK_NAME}
FULL_MODEL_NAME="facebook/${MODEL_NAME}"
python run.py --model_name_or_path facebook/opt-$SIZE --output_dir outputs/${RUN}
CKPT_MODEL=checkpoints/${RUN}
python run.py --model_name_or_path ${BASE}/checkpoint-${N}
'''}, set(), {("run.sh", 2), ("run.sh", 3), ("run.sh", 4)}),
    # optimum-habana's tests take their cases from one entry of a dict; Open-Sora builds an id with
    # "/".join (no path: unseen, and said); LLMLingua passes Azure's model names as a model flag.
    "cases from a dict's entry, ids joined at run time, API names on a model flag": ({"test_habana.py": '''import pytest
from huggingface_hub import hf_hub_download
from transformers import AutoModel
MODELS_TO_TEST = {"bf16": [("tiiuae/falcon-180B", 4), ("meta-llama/Llama-2-70b-hf", 8)], "fp8": [("org/fp8", 1)]}
@pytest.mark.parametrize("model_name, world_size", MODELS_TO_TEST["bf16"])
def test_bf16(model_name, world_size):
    AutoModel.from_pretrained(model_name)
def load(path):
    parts = path.split("/")
    return hf_hub_download(repo_id="/".join(parts[:-1]), filename=parts[-1])
''', "evaluate.sh": '''python eval.py --model_name_or_path gpt-35-turbo-instruct
python eval.py --model_name_or_path gpt-3.5-turbo
python eval.py --model_name_or_path gpt2-medium
'''}, {("tiiuae/falcon-180B", "test_habana.py", 4), ("meta-llama/Llama-2-70b-hf", "test_habana.py", 4),
       ("gpt2-medium", "evaluate.sh", 3)}, {("test_habana.py", 10)}),
    # datatrove's sweep configs list models under a model key; cosmopedia's --base_model_name;
    # datatrove's language-id model fetched by an f-string whose placeholder is only the file's name.
    "models listed under a key, --<role>_model_name, an hf:// f-string": ({"sweep.yaml": '''model-name-or-path:
  - "Qwen/Qwen3-4B"
  - HuggingFaceTB/SmolLM2-1.7B-Instruct
datasets:
  - org/some-dataset
''', "sweep.json": '''{"model_name_or_path": ["org/json-a", "org/json-b"], "tags": ["a/b"]}
''', "train.slurm": '''python train_edu_bert.py --base_model_name="Snowflake/snowflake-arctic-embed-m"
vllm serve org/served --served-model-name org/alias-not-a-model
''', "lid.py": '''def model(version):
    return f"hf://cis-lmu/glotlid/model_{version}.bin"
def other(org):
    return f"hf://{org}/glotlid/model.bin"
'''}, {("Qwen/Qwen3-4B", "sweep.yaml", 2), ("HuggingFaceTB/SmolLM2-1.7B-Instruct", "sweep.yaml", 3),
       ("org/json-a", "sweep.json", 1), ("org/json-b", "sweep.json", 1),
       ("Snowflake/snowflake-arctic-embed-m", "train.slurm", 1), ("org/served", "train.slurm", 2),
       ("cis-lmu/glotlid", "lid.py", 2)}, set()),
    # gemma-cookbook: litgpt's commands download the repository they are given (not pretrain's config
    # name); LangChain's fastembed classes.
    "litgpt commands, LangChain's fastembed": ({"lit.sh": '''litgpt download microsoft/phi-2
litgpt finetune_lora meta-llama/Llama-3.2-1B --data Alpaca
litgpt pretrain pythia-160m
''', "rag.py": '''from langchain_community.embeddings import FastEmbedEmbeddings
from langchain_qdrant import FastEmbedSparse
dense = FastEmbedEmbeddings(model_name="BAAI/bge-small-en-v1.5")
sparse = FastEmbedSparse(model_name="Qdrant/bm25")
'''}, {("microsoft/phi-2", "lit.sh", 1), ("meta-llama/Llama-3.2-1B", "lit.sh", 2),
       ("BAAI/bge-small-en-v1.5", "rag.py", 3), ("Qdrant/bm25", "rag.py", 4)}, set()),
    # optimum-executorch's tests write a command line in pieces over several lines: the id is where
    # its piece is written.
    "a command line in pieces over several lines": ({"test_voxtral.py": '''import subprocess
def test_cli(tmp):
    cmd = (
        "optimum-cli export executorch "
        "--model mistralai/Voxtral-Mini-3B-2507 "
        f"--output_dir {tmp}"
    )
    subprocess.run(cmd, shell=True)
'''}, {("mistralai/Voxtral-Mini-3B-2507", "test_voxtral.py", 5)}, set()),
    # optimum-executorch: a path under a temporary folder is no unseen model; an id built on a user's
    # name is.
    "a path built under a local folder": ({"test_export.py": '''import tempfile
from transformers import AutoModel
def test_export(user):
    with tempfile.TemporaryDirectory() as tempdir:
        AutoModel.from_pretrained(f"{tempdir}/executorch")
        AutoModel.from_pretrained(tempdir + "/executorch")
        AutoModel.from_pretrained(f"{user}/my-model")
'''}, set(), {("test_export.py", 7)}),
    # optimum-neuron: one test saves to its `model_name_or_path`; another test's parameter of that
    # name is another variable, unseen, and said so.
    "a name saved to in another function": ({"test_export.py": '''from transformers import AutoModel
def test_save(model, model_name_or_path):
    model.save_pretrained(model_name_or_path)
    AutoModel.from_pretrained(model_name_or_path)
def test_load(model_name_or_path):
    AutoModel.from_pretrained(model_name_or_path)
'''}, set(), {("test_export.py", 6)}),
    # neural-compressor: lm-eval's model_args string given to the model class itself.
    "lm-eval's create_from_arg_string": ({"accuracy.py": '''from lm_eval.models.huggingface import HFLM
lm = HFLM.create_from_arg_string("pretrained=Muennighoff/tiny-random-bert,dtype=float32")
'''}, {("Muennighoff/tiny-random-bert", "accuracy.py", 2)}, set()),
    # mlc-llm, Olive: a path the code builds, or torch's layer from a tensor, is no unseen Hub id;
    # diffusers' older LoRA loader is a loader; onnxruntime-genai's own WhisperModel is not faster-whisper's.
    "built paths, tensors and load_attn_procs": ({"convert.py": '''import os
from pathlib import Path
import torch
from torch import nn
from transformers import AutoConfig
def convert(config_path, weights, root, name):
    AutoConfig.from_pretrained(str(config_path.parent))
    AutoConfig.from_pretrained(Path(config_path).parent)
    AutoConfig.from_pretrained(os.path.join(root, "tokenizer"))
    nn.Embedding.from_pretrained(weights)
    torch.nn.EmbeddingBag.from_pretrained(weights, freeze=True)
    AutoConfig.from_pretrained(name)
    unet.load_attn_procs("lora-library/B-LoRA-pen_sketch")
''', "builder.py": '''from builders import WhisperModel
from faster_whisper import WhisperModel as FasterWhisper
def build(config):
    return WhisperModel(config, "fp16")
''', "transcribe.py": '''from faster_whisper import WhisperModel
def transcribe(size):
    return WhisperModel(size)
'''}, {("lora-library/B-LoRA-pen_sketch", "convert.py", 13)}, {("convert.py", 12), ("transcribe.py", 3)}),
    # Evaluation harnesses and embedders that load the Hub model they are given.
    "lighteval model configs and INSTRUCTOR": ({"only.py": '''cfg = TransformersModelConfig(model_name="org/alone")
''', "eval.py": '''from lighteval.models.transformers.transformers_model import TransformersModelConfig
cfg = TransformersModelConfig(model_name="org/evaluated", batch_size=1)
vllm = VLLMModelConfig(model_name=args.model)
adapter = AdapterModelConfig(model_name="me/adapter-out", base_model="org/base")
api = LiteLLMModelConfig(model_name="openai/gpt-4o")
emb = INSTRUCTOR("org/instructor")
'''}, {("org/alone", "only.py", 1), ("org/evaluated", "eval.py", 2), ("org/base", "eval.py", 4),
         ("org/instructor", "eval.py", 6)},
     {("eval.py", 3)}),
    # An attribute set only from itself (self.model = config.model) is not seen: said, not dropped.
    "an attribute copied from a config object": ({"runner.py": '''from transformers import AutoModel
class Runner:
    def __init__(self, config):
        self.model = config.model
        self.weights = AutoModel.from_pretrained(config.model)
'''}, set(), {("runner.py", 5)}),
    # An id in a multi-line f-string command is reported where it is written, not at the string's start.
    "ids in a multi-line f-string command": ({"launch.py": '''import subprocess
OUT = "runs/x"
cmd = f"""accelerate launch train.py \\
    --model_name_or_path org/base-in-fstring \\
    --output_dir {OUT}"""
subprocess.run(cmd, shell=True)
'''}, {("org/base-in-fstring", "launch.py", 4)}, set()),
    # A settings field in the transformers idiom, and any *_model_name_or_path keyword.
    "name_or_path fields and keywords": ({"config.py": '''from dataclasses import dataclass
@dataclass
class PolicyConfig:
    pretrained_name_or_path: str = "org/policy-backbone"
    vision_encoder_name: str = "org/vision-encoder"
    output_name_or_path: str = "outputs/run"
''', "eval.py": '''run_eval(peft_model_name_or_path="org/adapter", base_model_name_or_path="org/base")
'''}, {("org/policy-backbone", "config.py", 4), ("org/vision-encoder", "config.py", 5),
         ("org/adapter", "eval.py", 1), ("org/base", "eval.py", 1)}, set()),
    # Beaker's experiment spec: a container's args are its "arguments".
    "beaker experiment specs": ({"beaker.yaml": '''tasks:
  - image: {beaker: ai2/cuda}
    command: ["/bin/sh", "-c"]
    arguments: ["python open_instruct/finetune.py --model_name_or_path org/beaker-base --output_dir /output"]
'''}, {("org/beaker-base", "beaker.yaml", 4)}, set()),
    # transformers.js: the pipeline's task is not its model; model-id variables with a prefix or
    # in capitals; comments are not code.
    "transformers.js tasks, variables and comments": ({"worker.js": '''import { pipeline, AutoModel } from "@huggingface/transformers";
const classify = await pipeline("text-classification");
const remover = await pipeline("background-removal", model_id);
const text_model_id = "org/text-encoder";
const MODEL_ID = "org/capital";
// const old = await pipeline("text-generation", "org/commented-out");
/* AutoModel.from_pretrained("org/in-block-comment") */
const url = "https://huggingface.co/org/linked"; // or "org/alternative"
const hub_model_id = "me/pushed";
'''}, {("org/text-encoder", "worker.js", 4), ("org/capital", "worker.js", 5)}, set()),
    # Vertex AI's classes have a from_pretrained of their own; a language model's name variable.
    "other libraries' from_pretrained and lm names": ({"embed.py": '''from vertexai.language_models import TextEmbeddingModel
from transformers import AutoModel
gecko = TextEmbeddingModel.from_pretrained("textembedding-gecko")
bert = AutoModel.from_pretrained("bert-base-uncased")
''', "app.js": '''const modelName = "Xenova/all-MiniLM-L6-v2";
const extractor = await pipeline("feature-extraction", modelName);
'''}, {("bert-base-uncased", "embed.py", 4), ("Xenova/all-MiniLM-L6-v2", "app.js", 1)}, set()),
    # hf:// in a message, an exception or a predicate's argument is text about the scheme.
    "hf:// in messages and predicates": ({"storage.py": '''def parse(uri):
    if not uri.startswith("hf://"):
        raise StorageError("Expected 'hf://owner/model', got %s" % uri)
    assert is_hf_bucket_path("hf://ns/some-model") is False
    return download("hf://org/weights/model.safetensors")
'''}, {("org/weights", "storage.py", 5)}, set()),
    # A help text built by a call is still a help text.
    "command examples in a parser's epilog": ({"cli.py": '''import argparse, textwrap, subprocess
parser = argparse.ArgumentParser(epilog=textwrap.dedent("""
    examples:
        $ tune download org/example-in-help --output-dir /tmp/model
"""))
subprocess.run(["tune", "download", "org/really-downloaded"])
'''}, {("org/really-downloaded", "cli.py", 6)}, set()),
    # Each class's methods load that class's default; LangChain's sentence-transformers classes.
    "each class's own attribute, and LangChain's embeddings": ({"emb.py": '''class Bi:
    model_name = "org-a/bi"
    def load(self):
        return SentenceTransformer(self.model_name)
class Cross:
    model_name = "org-b/cross"
    def load(self):
        return CrossEncoder(self.model_name)
lc = HuggingFaceEmbeddings(model_name="all-MiniLM-L6-v2")
splitter = SentenceTransformersTokenTextSplitter(model_name="org/splitter")
''', "export.sh": "optimum-cli export openvino --model gpt2 out\noptimum-cli export openvino -m org/ov ./out\n"},
     {("org-a/bi", "emb.py", 2), ("org-b/cross", "emb.py", 6), ("sentence-transformers/all-MiniLM-L6-v2", "emb.py", 9),
      ("org/splitter", "emb.py", 10), ("gpt2", "export.sh", 1), ("org/ov", "export.sh", 2)}, set()),
    # A subclass reads its base's setting, and a base's method the setting of a subclass.
    "settings inherited within a module": ({"tests.py": '''class Base:
    model_name = "org/base"
    def load(self):
        return AutoModel.from_pretrained(self.model_name)
class Child(Base):
    def check(self):
        return AutoConfig.from_pretrained(self.model_name)
class Override(Base):
    model_name = "org/override"
class Other:
    model_name = "org/other"
    def load(self):
        return AutoModel.from_pretrained(self.model_name)
'''}, {("org/base", "tests.py", 2), ("org/override", "tests.py", 9), ("org/other", "tests.py", 11)}, set()),
    # optimum: its task manager loads; its docs' page redirects are not models; one reference once.
    "optimum's task manager, redirects and export commands": ({"export.py": '''import subprocess
model = TasksManager.get_model_from_task("image-to-text", "org/pix2struct")
M = "org/exported"
subprocess.run(f"optimum-cli export onnx --model {M} out/", shell=True)
''', "_redirects.yml": "graphcore_add_support_for_new_model: graphcore/add_support_for_new_model\n"},
     {("org/pix2struct", "export.py", 2), ("org/exported", "export.py", 3)}, set()),
    # ai-toolkit's name_or_path keys, a configuration's default, a single file's config repository.
    "name_or_path keys, get defaults and single-file configs": ({"train.yaml": '''model:
  name_or_path: "org/flux-base"
  extras_name_or_path: "org/extras"
''', "load.py": '''TE = "org/text-encoder"
te_path = cfg.get("text_encoder_path", TE)
tok = AutoTokenizer.from_pretrained(te_path)
pipe = Model.from_single_file(path, config="org/single-config")
'''}, {("org/flux-base", "train.yaml", 2), ("org/extras", "train.yaml", 3), ("org/text-encoder", "load.py", 3),
         ("org/single-config", "load.py", 4)}, {("load.py", 3), ("load.py", 4)}),
    "shell arrays and generic model flags": ({"run.sh": '''MODELS=(
  "org/one"
  "org/two"
)
accelerate launch train.py --controlnet_model_name_or_path=org/controlnet
lm_eval --model hf --model_args pretrained="google/gemma-7b" --tasks x
eland_import_hub_model --url $ES --hub-model-id cross-encoder/ms-marco-MiniLM-L-6-v2 --task-type text_similarity
python train.py --hub_model_id me/output-repo --model_path outputs/final
'''}, {("org/one", "run.sh", 2), ("org/two", "run.sh", 3), ("org/controlnet", "run.sh", 5),
       ("google/gemma-7b", "run.sh", 6), ("cross-encoder/ms-marco-MiniLM-L-6-v2", "run.sh", 7)}, set()),
}


def run_case(tmp_path: Path, files: dict[str, str]):
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    return scan([tmp_path])


def matches(ref, line: int) -> bool:
    return ref.line == line or line in ref.related_lines


@pytest.mark.parametrize("name", list(CASES))
def test_rule(tmp_path: Path, name: str) -> None:
    files, expected, unresolved = CASES[name]
    found = run_case(tmp_path, files)
    got = {(r.repo_id, r.file) for r in found.references}
    assert got == {(repo_id, file) for repo_id, file, _ in expected}
    for repo_id, file, line in expected:
        assert any(r.repo_id == repo_id and r.file == file and matches(r, line) for r in found.references), \
            (repo_id, line, found.references)
    assert {(p.file, p.line) for p in found.problems if p.code == "unresolved-reference"} == unresolved
    # Every reference points at its id as written, or at the quote of the literal that is the id
    # (a CI annotation lands on it).
    for ref in found.references:
        if ref.kind in ("config", "shell", "dockerfile") and ref.file in files:
            at = files[ref.file].splitlines()[ref.line - 1][ref.column - 1:]
            assert at.startswith(ref.repo_id) or at[:1] in "'\"" and at[1:].startswith(ref.repo_id), (ref, at)


def _notebook(cells: list[object]) -> str:
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1)


def test_notebook_indented_escapes_and_one_string_cells(tmp_path: Path) -> None:
    text = _notebook([
        # Colab: a cell stored as one JSON string, with an indented shell escape and magic.
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
         "source": "if COLAB:\n    !pip install peft\n    %cd /content\nBASE = \"org/colab-base\"\n"},
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
         "source": ["m = AutoModel.from_pretrained(BASE)\n", "!lm_eval --model hf \\\n",
                    "    --model_args pretrained=org/evaluated\n"]},
    ])
    (tmp_path / "nb.ipynb").write_text(text)
    found = scan([tmp_path])
    lines = text.splitlines()
    string_line = next(i for i, line in enumerate(lines, 1) if "org/colab-base" in line)
    use_line = next(i for i, line in enumerate(lines, 1) if "from_pretrained(BASE)" in line)
    evaluated = next(i for i, line in enumerate(lines, 1) if "pretrained=org/evaluated" in line)
    refs = {(r.repo_id, r.line) for r in found.references}
    assert ("org/evaluated", evaluated) in refs
    base = [r for r in found.references if r.repo_id == "org/colab-base"]
    assert base and all(r.line == use_line and string_line in r.related_lines for r in base)
    assert found.problems == []


def test_notebook_cell_an_editor_runs_as_shell_is_read_as_commands(tmp_path: Path) -> None:
    text = _notebook([
        {"cell_type": "code", "metadata": {"vscode": {"languageId": "shellscript"}}, "outputs": [],
         "source": ["swift sft \\\n", "    --model org/shell-cell \\\n", "    --train_type lora\n"]},
        {"cell_type": "code", "metadata": {}, "outputs": [], "source": ["x = 1\n"]},
    ])
    (tmp_path / "nb.ipynb").write_text(text)
    found = scan([tmp_path])
    line = next(i for i, row in enumerate(text.splitlines(), 1) if "--model org/shell-cell" in row)
    # Not "does not parse as Python": the cell is the editor's shell script.
    assert {(r.repo_id, r.line) for r in found.references} == {("org/shell-cell", line)}
    assert found.problems == []


def test_notebook_outputs_full_of_colour_codes_are_not_deep_nesting(tmp_path: Path) -> None:
    text = _notebook([
        {"cell_type": "code", "metadata": {}, "execution_count": 1,
         "outputs": [{"output_type": "stream", "name": "stdout", "text": ["\u001b[0m\u001b[1m" * 8_000]}],
         "source": ["m = AutoModel.from_pretrained('org/coloured')\n"]},
    ])
    (tmp_path / "nb.ipynb").write_text(text)
    found = scan([tmp_path])
    assert [r.repo_id for r in found.references] == ["org/coloured"]
    assert found.problems == []  # not "notebook nested too deeply: read line by line"


def test_notebook_cell_that_does_not_parse_is_reported_not_dropped(tmp_path: Path) -> None:
    (tmp_path / "nb.ipynb").write_text(_notebook([
        {"cell_type": "code", "metadata": {}, "outputs": [], "source": ["def broken(:\n",
                                                                        "    AutoModel.from_pretrained('org/x')\n"]},
        {"cell_type": "code", "metadata": {}, "outputs": [], "source": ["AutoModel.from_pretrained('org/y')\n"]},
    ]))
    found = scan([tmp_path])
    assert {r.repo_id for r in found.references} == {"org/x", "org/y"}
    assert [(p.code, p.detail) for p in found.problems] == [
        ("scan-incomplete", "cell 1 does not parse as Python: read line by line")]


def test_manifest_entry_settles_an_unresolved_line(tmp_path: Path) -> None:
    (tmp_path / "train.py").write_text("def main(args):\n    return AutoModel.from_pretrained(args.model)\n")
    assert [p.line for p in scan([tmp_path]).problems] == [2]
    (tmp_path / "catalog.toml").write_text('[[models]]\nid = "org/from-manifest"\nused_at = ["train.py:2"]\n')
    found = scan([tmp_path])
    assert found.problems == []
    assert [r.repo_id for r in found.references] == ["org/from-manifest"]


def test_one_use_fed_by_two_literals_names_both_lines(tmp_path: Path) -> None:
    (tmp_path / "t.py").write_text('''def load(name="org/same"):
    return AutoModel.from_pretrained(name)

for candidate in ["org/same"]:
    load(candidate)
''')
    refs = [r for r in scan([tmp_path]).references if r.repo_id == "org/same"]
    assert len(refs) == 2 and {r.line for r in refs} == {2}
    assert [1 in r.related_lines for r in refs].count(True) >= 1
    assert [4 in r.related_lines for r in refs].count(True) >= 1
