"""Products for people and partner agencies, and the rules of what may be released."""
