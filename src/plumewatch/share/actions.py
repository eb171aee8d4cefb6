"""The kinds of audited event, kept free of database code so the CLI can offer them without importing it."""

ACTIONS = (
    "export",
    "report",
    "api.read",
    "taxii.read",
    "mark",
    "partner.add",
    "partner.revoke",
    "token.issue",
)
