"""What a cart costs: quotes (lines, VAT, shipping per seller, totals) and commissions at order time.

Pure rules over rows the caller loads; no models. Checkout, cart, orders and ledger import it.
"""
