"""The WooCommerce platform's own analyser rule family: WordPress.org Plugin Check's offline checks."""
