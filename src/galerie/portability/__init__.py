"""A storefront's bundle: export it from one installation, import it into another
(docs/storefront-bundle.md). An app without models, above every app whose rows it carries."""
