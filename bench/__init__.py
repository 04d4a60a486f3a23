"""AcuDesk benchmarks: a ten-year clinic generator and the measurements `make bench` runs.

- ``python -m bench.generate --url URL --scale 1.0 --seed 6`` builds the big database.
- ``python -m bench.run [--quick] [--url URL]`` measures and writes ``bench/results.json``.

Nothing here is imported by the application; the probes start it the way ``acudesk.app`` does.
"""
