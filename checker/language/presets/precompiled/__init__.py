"""The preset files as loaded, one module each.

Generated from checker/language/presets/*.yaml by `python -m checker.language.presets`: do not edit.
"""

FILES = ['bart', 'bert', 'clip', 'distilbert', 'gemma', 'gemma2', 'gpt2', 'gpt_neox', 'litgpt', 'llama', 'mistral', 'mixtral', 'mlp', 'olmo', 'olmo2', 'opt', 'phi3', 'qwen2', 'qwen2_moe', 'qwen3', 'qwen3_moe', 'roberta', 't5', 'timm', 'vit', 'whisper']
