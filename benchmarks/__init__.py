"""Performance benchmarks (not timed tests); run the scripts in this folder."""
