"""Demo data for Rapport: a seeded generator of raw exports for the fictional shop Fernwood Outdoor."""
