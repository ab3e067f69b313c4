"""Pages of withdrawals and returns: the customer's (storefront), the seller's (seller area) and
the operator's (back office). They parse, call one service or selector, render."""
