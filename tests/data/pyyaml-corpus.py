"""Writes pyyaml-corpus.json: documents PyYAML's safe_dump writes (block
style, as the Gigantum client did, and PyYAML's default of flow style for
innermost collections), with the aliases it makes for shared values, each
with what PyYAML's safe_load reads back. tests/yaml_pyyaml.rs reads it.

    python3 tests/data/pyyaml-corpus.py > tests/data/pyyaml-corpus.json

Scalars are compared as text, so every value here is a string or null.
"""
import json
import random
import sys

import yaml

random.seed(20261204)
WORDS = ['pip', 'conda', 'numpy', 'python=3.10', '18.04', 'a b', 'x: y',
         '#hash', '- dash', "it's", '"q"', '', 'null', '~', 'true', '010',
         '1.10', 'tab\there', '  lead', 'trail ', '*star', '&amp', '!bang',
         '[x]', '{y}', 'é', 'long ' * 12, None]
KEYS = WORDS[:12]


def value(depth, shared):
    r = random.random()
    if depth > 4 or r < 0.35:
        return random.choice(WORDS)
    if shared and r < 0.45:
        return random.choice(shared)
    if r < 0.7:
        v = [value(depth + 1, shared) for _ in range(random.randint(0, 4))]
    else:
        v = {random.choice(KEYS) + str(i): value(depth + 1, shared)
             for i in range(random.randint(0, 4))}
    if random.random() < 0.3:
        shared.append(v)
    return v


def plain(v):
    """A load result as JSON that keeps map order: maps as lists of pairs."""
    if isinstance(v, dict):
        return {'map': [[k, plain(x)] for k, x in v.items()]}
    if isinstance(v, list):
        return [plain(x) for x in v]
    return v


docs = []
for _ in range(150):
    shared = []
    doc = {'k' + str(j): value(1, shared) for j in range(random.randint(1, 5))}
    flow = random.choice([False, None])
    text = yaml.safe_dump(doc, default_flow_style=flow, sort_keys=False,
                          allow_unicode=random.random() < 0.5,
                          width=random.choice([20, 80]) if flow is False else 10**6)
    docs.append({'yaml': text, 'pyyaml': plain(yaml.safe_load(text))})
json.dump({'pyyaml': yaml.__version__, 'docs': docs}, sys.stdout, ensure_ascii=False, separators=(',', ':'))
sys.stdout.write('\n')
