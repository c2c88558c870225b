"""The benchmarks: each part prints figures beside a floor measured in the same run (``python -m benchmarks``)."""
