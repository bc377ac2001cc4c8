"""Measure `make report` against the standard tools, on this machine, in one run.

``python -m helpers.bench`` (``make bench``) generates the datasets it needs (once,
cached under data/bench/), then times, ``--repeats`` times each, the variants taking
turns so that a change in the machine's load falls on all of them
(``helpers.bench.variants``):

1. ``report``: the full report of one year on the default data, PDF included;
2. ``report_10x``: the same on the ten-times dataset, its peak memory sampled;
3. ``report_both``: both languages in one run (``--lang en,fr``);
4. ``floor``: the same orchestration over notebooks that keep the parameters cell and
   import the sections' libraries, nothing else, on a tiny dataset;
5. ``naive``: ``papermill`` then ``jupyter nbconvert --to html --no-input`` on each
   section notebook, one after the other (``helpers.bench.peers``);
6. ``ploomber``: the same notebooks as a Ploomber pipeline, its parallel executor on
   every core, HTML products (the first notebook computes the figures, the others
   follow it);
7. ``rerun``: ``make report`` again, through make (its dataset check included), into a
   folder that already holds it;
8. ``report_warm`` and ``report_10x_warm``: a new output folder, with the caches of an
   earlier run on the same data;
9. the scaling curve: the cold and warm report at each ``--scales`` factor
   (``helpers.bench.scaling``), with the fitted exponent b of time ∝ scale^b;
10. ``validate`` and ``kpis``: validating the default data, and computing a year's run
    data from it, each alone in this process.

Cold runs use a new output folder, ``--no-cache`` and an empty cache folder
(``XDG_CACHE_HOME``). Peak memory is the largest sum, over every process of the run, of
their proportional set sizes.

It prints a table (median, min, max), writes the scaling table and chart, appends one
row to outputs/bench/history.csv (``helpers.bench.history``) and ends with the line
``bench ratio_naive=... ratio_floor=... ratio_10x=... ratio_10x_warm=...
ratio_both_languages=... peak_mb_10x=... rerun_s=... ratio_ploomber=... b_cold=...
b_warm=... pdf_s=... audit_s=...`` (``helpers.bench.line``), the last two the cold
report's own PDF layout and intruder's check, as its progress lines state them, and one
``goal missed:`` line per figure over its goal.
"""
