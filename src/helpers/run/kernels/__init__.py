"""Jupyter kernels that run the section notebooks, started warm and reused."""
