"""The PrestaShop platform's own analyser rule family: PrestaShop Addons' validator rules that run offline."""
