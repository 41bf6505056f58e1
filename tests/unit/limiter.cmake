# The limiter's rate syntax, token bucket, adaptive rate and budget, at ManualTicker times.
weir_add_test(NAME limiter_test SOURCES unit/limiter_test.cpp LIBS weir_limiter)
