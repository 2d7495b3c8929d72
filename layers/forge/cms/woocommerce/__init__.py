"""WooCommerce platform folder: `platform.PLATFORM`, templates/ and sandbox/."""
