"""The external-model path: an outside causal LM from a folder replaces `base`, and `sft` and `dpo` post-train it
through the same stages; naming a hub model is the only thing that reaches for the network."""
import dataclasses
import json

import pytest
import torch
from test_offline import offline_run
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import AutoModelForCausalLM, AutoTokenizer, LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

from alignlab.cache import Cache
from alignlab.config import load_config, smoke
from alignlab.pipeline import Pipeline, StageError
from alignlab.tokenizer import CHAT_TEMPLATE, END
from alignlab.world import make_world


@pytest.fixture(scope="module")
def outside_model(tmp_path_factory):
    """A folder like one downloaded from the hub: a model whose tokenizer knows only its own end-of-text token
    and has no chat template."""
    core = Tokenizer(models.BPE())
    core.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    core.decoder = decoders.ByteLevel()
    core.train_from_iterator(make_world(smoke().world).corpus, trainers.BpeTrainer(
        vocab_size=500, special_tokens=["</s>"], initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False))
    tok = PreTrainedTokenizerFast(tokenizer_object=core, eos_token="</s>")
    torch.manual_seed(0)
    model = LlamaForCausalLM(LlamaConfig(vocab_size=len(tok), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                                         num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=256,
                                         eos_token_id=tok.eos_token_id, tie_word_embeddings=True))
    folder = tmp_path_factory.mktemp("outside_model")
    model.save_pretrained(folder)
    tok.save_pretrained(folder)
    return folder


def test_sft_and_dpo_train_an_outside_model_from_its_folder(outside_model, tmp_path):
    pipe = Pipeline(dataclasses.replace(smoke(), base_from=str(outside_model)), Cache(tmp_path))
    base = pipe.build("base")
    tok = AutoTokenizer.from_pretrained(base / "model")
    assert tok.chat_template == CHAT_TEMPLATE and END in tok.all_special_tokens and tok.pad_token is not None
    assert json.loads((base / "info.json").read_text())["source"] == str(outside_model)
    original = AutoModelForCausalLM.from_pretrained(outside_model).get_input_embeddings().weight
    imported = AutoModelForCausalLM.from_pretrained(base / "model").get_input_embeddings().weight
    assert imported.shape[0] == len(tok) > original.shape[0]
    assert torch.equal(imported[: original.shape[0]], original)  # the outside weights, plus the new tokens' rows
    for stage in ("sft", "dpo"):
        model, _ = pipe.load(stage)
        assert model.get_input_embeddings().weight.shape[0] == len(tok)
        assert not torch.equal(model.get_input_embeddings().weight[: original.shape[0]], original)
        assert pipe.training_log(stage)  # trained, with a log for the plots
    assert "chat_format" in pipe.evaluation("dpo")["metrics"]


def test_the_folder_content_is_part_of_the_cache_key(outside_model, tmp_path):
    import shutil

    copy = tmp_path / "model"
    shutil.copytree(outside_model, copy)
    pipe = Pipeline(dataclasses.replace(smoke(), base_from=str(copy)), Cache(tmp_path / "cache"))
    key = pipe.key("sft")
    (copy / "config.json").write_text((copy / "config.json").read_text().replace("}", ', "note": 1}', 1))
    assert pipe.key("sft") != key
    assert Pipeline(smoke(), Cache(tmp_path / "cache")).key("sft") != key


def test_a_missing_model_is_named_in_one_line(tmp_path):
    pipe = Pipeline(dataclasses.replace(smoke(), base_from=str(tmp_path / "nowhere")), Cache(tmp_path))
    with pytest.raises(StageError, match="cannot load the model"):
        pipe.build("base")


@pytest.mark.slow
def test_only_a_hub_name_reaches_for_the_network(tmp_path):
    """With the network down, naming a hub model tries it (the hub client retries for about a minute, saying so)
    and ends in one line that names the model; test_offline shows that nothing else connects."""
    done, attempts = offline_run(tmp_path, "--base-from", "HuggingFaceTB/SmolLM2-135M", "run", "--stages", "base")
    assert done.returncode == 2 and attempts
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("alignlab: error: cannot load the model 'HuggingFaceTB/SmolLM2-135M'")


def test_the_smollm_profile_names_a_hub_model():
    assert load_config("smollm").base_from == "HuggingFaceTB/SmolLM2-135M"
    assert load_config("smoke", base_from="/models/x").base_from == "/models/x"
