# (filled in by the part's tests)
