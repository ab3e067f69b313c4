"""A storefront's bundle: export it from one installation, import it into another, or merge it
into one that has a catalog (docs/storefront-bundle.md, docs/storefront-merge.md). Above every
app whose rows it carries; its own models are the merge's decisions."""
