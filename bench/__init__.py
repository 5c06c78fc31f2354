"""licensehub's benchmarks: each figure a ratio against a baseline measured in the same run.

`make bench` (smoke) or `make bench SCALE=full`; see the README's Benchmarks section.
"""
