"""What a repo is and what state it is in: repo state, findings, porcelain parsers,
discovery of work trees. Pure code: no subprocess, no database, no HTTP.

Anything in ``statehub`` may import it; it imports no I/O layer of State Hub's (``git``,
``store``, ``sweep``, ``api``, ``cli``) and none of their libraries (an import-linter
contract says so).
"""
