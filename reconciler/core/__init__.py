"""Pure decisions: what differs (`diff`), what to do about it (`plan`), what drifted (`drift`), what apply did
(`outcome`), and incident actions as data (`incidents`). No I/O.
"""
