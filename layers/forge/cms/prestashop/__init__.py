"""PrestaShop: a payment module (PrestaShop 8.x and 1.7.8+), its PHPUnit suite, and the stand-in sandbox."""
