"""The Casbin firewall: load, decide, explain.

Every access decision in MASH Hub is made by :func:`hub.policy.firewall.Firewall.decide`,
reached from routes through :func:`hub.policy.dependencies.require`.
"""
