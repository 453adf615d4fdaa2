"""Addresses for servers that act with the kubeconfig's identity: loopback only."""

from __future__ import annotations

import ipaddress

import click


def loopback(host: str, option: str) -> str:
    """The address to listen on, when it is a loopback one; BadParameter (naming `option`) otherwise."""
    if host == "localhost":
        return "127.0.0.1"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise click.BadParameter(
            f"{host!r} is not an IP address: use 127.0.0.1, ::1 or localhost", param_hint=option
        ) from None
    if not address.is_loopback:
        raise click.BadParameter(
            f"{host} is not a loopback address: the server acts with your kubeconfig's identity, so it listens "
            "on loopback only (127.0.0.1, ::1 or localhost)",
            param_hint=option,
        )
    return str(address)
