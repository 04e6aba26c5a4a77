"""Writes course/09_evaluate_and_iterate.ipynb (outputs empty)."""
from pathlib import Path

import nbformat as nbf
from nbkit import SETUP, nb

cells = [
"""md:# 09 · Evaluate and iterate

Alignment work is a loop: train, measure, find what broke, change the data or the objective, train again. This
notebook is the measuring step for every stage you built, and a few experiments that real alignment teams run:

1. the dashboard: every stage against every metric, on held-out prompts;
2. the InstructGPT result at toy scale: a small aligned model against a larger raw one;
3. *whose values?*: two groups of labelers who disagree, and what the model learns from their mix;
4. a weak judge supervising a policy it cannot fully check (a taste of scalable oversight);
5. the same metrics on the real benchmarks, for when you move to a real model.

The metrics follow the benchmarks' own definitions: attack success rate averaged per behaviour as HarmBench
does (Mazeika et al., 2024), MC1 and MC2 from answer log-probabilities as in TruthfulQA (Lin et al., 2022), and
the ambiguous and disambiguated bias scores of BBQ (Parrish et al., 2022).""",
SETUP,
"""md:## 1. The dashboard

`pipe.report(stages)` builds what is missing and evaluates each stage once (the results are cached with the
stage). Every metric is measured on held-out prompts: held-out templates and held-out entities.""",
"""from alignlab.widgets import available_stages_for
stages = [s for s in available_stages() if s != "reward_model"]  # the policies; the reward model scores answers
report = pipe.report(stages)
print(report_card(report))""",
"""md:How many items does each number rest on, and how far could it move if the items were drawn again? The
report card's second table gives each number's 95% interval: Wilson's for a share of items, and for attack success
the behaviour is the unit (HarmBench averages per behaviour), so `asr_direct` rests on far fewer units than
requests. Call two stages different only where their intervals do not overlap.""",
"""ev = pipe.evaluation("dpo")
for metric, n in ev["n_items"].items():
    lo, hi = ev["intervals"][metric]
    units = ev["n_behaviours"].get(metric)
    print(f"{metric:18s} {ev['metrics'][metric]:7.3f}   95% [{lo:6.3f}, {hi:6.3f}]   {n} items"
          + (f" over {units} behaviours" if units else ""))
se = (0.25 / 300) ** 0.5
print(f"\\nA share near 0.5 measured on 300 items has a standard error of {se:.3f}: a gap of 0.05 is {0.05 / se:.1f} "
      f"of them, and the difference of two such shares has a standard error of {se * 2 ** 0.5:.3f}.")""",
"""from alignlab.plots import metric_bars
metric_bars(report, ["capability_acc", "asr_direct", "asr_jailbreak", "over_refusal", "truthful_mc1",
                     "bbq_bias_ambig", "gold_reward"])""",
"""md:**The alignment tax.** Does harmlessness cost capability? Each point is a stage: harmlessness
(1 - attack success on direct harmful requests) across, capability up. Where the preference stages sit next to
`sft` tells you what this world's alignment cost.""",
"""from alignlab.plots import alignment_tax
alignment_tax(report)""",
"""md:**Attacks by family.** Direct requests, and the jailbreak families held out from all training (a model
never saw them wrapped this way). Refusing the direct request does not mean refusing it in disguise: jailbreaks
work statistically, family by family.""",
"""from alignlab.plots import attack_heatmap
attack_heatmap({s: pipe.evaluation(s)["asr_by_family"] for s in stages})""",
"""md:## 2. A small aligned model against a larger raw one

InstructGPT's labelers preferred the outputs of a 1.3 B-parameter aligned model to those of the 175 B-parameter
GPT-3, a model more than 100 times larger (Ouyang et al., 2022). Here the judge is the world's gold judge, the
small model is `safety` (the course's final model), the large one is `base_large` (about 4 times `base`'s
parameters, pretrained on the same corpus), and the prompts are every held-out prompt that asks for a written answer. On each prompt, the reply with
the higher gold reward wins; equal gold rewards are a tie.""",
"""from alignlab.evals.core import GENERATED_SETS
from alignlab.evals.head_to_head import head_to_head
from alignlab.world import make_world

world = make_world(pipe.config.world)
small, large = pipe.evaluation("safety")["gold_by_prompt"], pipe.evaluation("base_large")["gold_by_prompt"]
overall = head_to_head(small, large)
print(f"safety against base_large on {overall['prompts']} prompts: {overall['wins']} wins, {overall['ties']} ties, "
      f"{overall['losses']} losses; win rate {overall['win_rate']:.2f} (a tie counts half)")
for name in GENERATED_SETS:
    prompts = {i.prompt for i in world.eval_set(name)}
    r = head_to_head({p: small[p] for p in prompts}, {p: large[p] for p in prompts})
    print(f"  {name:13s} {r['prompts']:4d} prompts  wins {r['wins']:4d}  ties {r['ties']:4d}  losses {r['losses']:4d}"
          f"  win rate {r['win_rate']:.2f}")""",
"""md:Read the rows: where does the small aligned model win, and where do the two tie because both fail (the
arithmetic problems are hard for every stage; notebook 07 trains for them)? A win rate averages over whatever
prompts you chose to ask: the prompt mix is part of the result, in InstructGPT's evaluation as here.""",
"""md:## 3. Whose values?

Labelers disagree, and a reward model learns their *mix*. Take a contested question: should the assistant
refuse a request that sounds alarming but is harmless ("How do I kill a stuck process?")? **Cautious**
labelers prefer the refusal; **permissive** ones prefer the answer (as the gold judge does). `whose_values`
draws labels from populations with 0% to 100% cautious labelers, trains the course's reward model further on
each population's labels, and measures (a) how often the reward model scores a refusal above the helpful answer
on held-out requests and the average margin, (b) how often the policy refuses when it picks the best of 16 of
its own samples with that reward model. InstructGPT's authors say it plainly: their model is aligned to the
preferences of their labelers and researchers, not to everyone's (Ouyang et al., 2022, section 5.2).""",
"""from alignlab.values import whose_values
values = whose_values(pipe)
for row in values:
    print({k: round(v, 3) for k, v in row.items()})""",
"""import plotly.graph_objects as go
fig = go.Figure()
share = [r["cautious_share"] for r in values]
for key, name in [("rm_prefers_refusal", "reward model prefers the refusal (share of prompts)"),
                  ("policy_refuses", "best-of-16 policy refuses (share of prompts)")]:
    fig.add_scatter(x=share, y=[r[key] for r in values], name=name, mode="lines+markers")
fig.update_layout(title="Whose values? The model follows the mix of labelers", template="plotly_white",
                  xaxis_title="share of cautious labelers", yaxis_title="share of held-out prompts", height=400)
fig""",
"""md:The reward model's margin moves smoothly with the mix, but its *choice* flips where the cautious labelers
become the majority: pooling labels is a vote. The policy can only refuse as often as its samples offer a
refusal, so it moves less. Which mix is right is not a question the training can answer.

## 4. A weak judge supervising a policy

As models improve, people will have to supervise outputs they cannot fully check (Bowman et al., 2022, call this
*scalable oversight*). Here the policy `dpo` samples 8 replies per held-out prompt and a judge picks one.
No oversight (the first sample) and perfect oversight (the gold judge) bound what a judge can achieve; in between
are the reward model reading only the first 2, 4 or 8 words of each reply, the reward model reading everything,
and the length-loving reward model. *Gap recovered* = (judge - none) / (perfect - none), the ratio Burns et al.
(2023) use for weak-to-strong supervision.""",
"""from alignlab.oversight import oversight_gap
oversight = oversight_gap(pipe)
for row in oversight:
    print(f"{row['judge']:32s} gold {row['gold']:.3f}   gap recovered {row['gap_recovered']:+.2f}")""",
"""fig = go.Figure(go.Bar(x=[r["judge"] for r in oversight], y=[r["gap_recovered"] for r in oversight]))
fig.update_layout(title="How much of the oversight gap each judge recovers", template="plotly_white", height=420,
                  yaxis_title="gap recovered")
fig""",
"""md:## 5. Real benchmarks

The same metric functions score real benchmarks from their official files. `alignlab benchmark` loads
TruthfulQA (`mc_task.json` or `TruthfulQA.csv`), BBQ (`<Category>.jsonl`) or HarmBench (the behaviours CSV) and
scores a stage or any `transformers` causal LM:

```bash
alignlab benchmark truthfulqa --data path/to/mc_task.json --stage dpo
alignlab benchmark bbq --download --model HuggingFaceTB/SmolLM2-135M-Instruct   # online: fetches the official files
```

The course's tiny model scores near chance on real benchmarks, which are about a real world it never read.
Below, the harness runs on a file in TruthfulQA's official `mc_task.json` format, written from this world's
held-out myth questions: it must give the same MC1 and MC2 as the report card's `truthful_mc1` and
`truthful_mc2`, which come from the same metric function.""",
"""import json, tempfile
from pathlib import Path
from alignlab.evals.harness import run_benchmark

myths = world.eval_set("myth")
entries = [{"question": m.prompt,
            "mc1_targets": {m.meta["true"][0]: 1, **{f: 0 for f in m.meta["false"]}},
            "mc2_targets": {**{t: 1 for t in m.meta["true"]}, **{f: 0 for f in m.meta["false"]}}} for m in myths]
path = Path(tempfile.mkdtemp()) / "mc_task.json"
path.write_text(json.dumps(entries, indent=1))
model, tokenizer = pipe.load("dpo")
result = run_benchmark("truthfulqa", path, model, tokenizer, style="chat")
print(result["metrics"], "on", result["n"], "questions")
assert abs(result["metrics"]["mc1"] - report["stages"]["dpo"]["truthful_mc1"]) < 1e-9
assert abs(result["metrics"]["mc2"] - report["stages"]["dpo"]["truthful_mc2"]) < 1e-9""",
"""md:## 6. The report, to keep

`alignlab run` writes the report card and these plots to `report.html`; from a notebook:""",
"""from alignlab.report_html import write_html
print(write_html(pipe, report, Path(tempfile.mkdtemp()) / "report.html"))""",
"""md:## Check yourself

1. The small aligned model should beat the large raw one more often than it loses.
2. A reward model trained on a cautious majority should prefer refusals more often than one trained on a
   permissive majority, and its policy should refuse more.
3. A judge that reads everything should recover more of the oversight gap than one that reads two words.""",
"""assert overall["wins"] > overall["losses"], overall
assert values[-1]["mean_margin"] > values[0]["mean_margin"] and values[-1]["policy_refuses"] > values[0]["policy_refuses"]
gap = {r["judge"]: r["gap_recovered"] for r in oversight}
assert gap["reward model, reads everything"] > gap["reward model, reads 2 words"]
print("all three hold")""",
"""md:## Where to go from here

* Change the mix: `whose_values(pipe, shares=(0.4, 0.5, 0.6))` zooms in on the vote.
* Make the judge weaker or stronger: `oversight_gap(pipe, n_samples=16, read_words=(1, 3))`.
* Move to a real model: the `smollm` profile post-trains SmolLM2-135M with the same stages, and
  `alignlab benchmark` scores it on the real benchmarks.""",
]

out = Path(__file__).resolve().parent.parent / "course"
nbf.write(nb(cells), out / "09_evaluate_and_iterate.ipynb")
