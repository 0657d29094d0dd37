"""From accepted to delivered: the directory of services, envelopes, and the delivery jobs.

This room knows nothing about forms or logins; `intake` and `inbox` import it, never the reverse.
"""
