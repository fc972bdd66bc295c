"""The OpenID Connect provider's parts that know nothing of HTTP: keys, tokens, requests, clients."""
