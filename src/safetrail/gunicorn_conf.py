"""Gunicorn settings used by ``safetrail serve``.

The access log leaves out the client address and the query string; the logger
class runs every gunicorn message through the same scrubbing filter as Django's.
"""

accesslog = "-"
errorlog = "-"
access_log_format = '"%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'
logger_class = "safetrail.safety.gunicorn_logging.ScrubbedLogger"
forwarded_allow_ips = "127.0.0.1,::1"
# Evidence uploads stream for as long as they take (up to 2 GiB by default).
timeout = 900
# gunicorn 27 opens a control socket in the user's home by default; two
# servers run by one user would remove each other's. Nothing here uses it.
control_socket_disable = True
