"""The ``catalog`` command line: one module per command group (``main`` holds the group and the
catalogue commands, ``check`` the CI gate, ``accounts`` users/teams/tokens, ``serve`` the server).

A face: may import every package below it. Heavy imports stay inside the commands so that
``catalog check`` does not pay for the web stack or the Hub client.
"""
