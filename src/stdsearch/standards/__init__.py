"""Standards at catalogue scale: replacement chains, regions, reference data (ICS, prefixes),
one document per standard from many sources, editions, and the facets derived from a number."""
