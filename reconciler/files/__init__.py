"""A route as it lives in git: safe YAML, the JSON Schema and the rules it cannot express, names ⇄ ids.

`load` reads route files (and the channel map) with every node's position; `validate` checks them; `decode` turns
a file into the route model (names → ids against the catalog) and `encode` turns a route back into a file.
"""
