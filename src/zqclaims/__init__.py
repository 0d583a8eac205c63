"""zqclaims: validator and tools for the zhaoqing-investment-claims data package."""

__version__ = "0.6.0"
