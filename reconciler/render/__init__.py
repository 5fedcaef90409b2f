"""Plans, apply reports, drift and problems as text for a terminal, markdown for GitHub, annotations and JSON.

Pure: returns strings, prints nothing (only the CLI prints).
"""
