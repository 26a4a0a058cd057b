"""Identity resolution: deterministic keys, splink, and staff decisions, with stable customer ids."""
