"""The steps with I/O, in pipeline order: `fetch` and `live` read incident.io, `pipeline` turns files and live into
a plan, `preflight` and `apply` carry it out (one at a time: `lock`), `export` and `backup` write files, `probes`
checks what the API key may do. HTTP only through `reconciler.api`.
"""
