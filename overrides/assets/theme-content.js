/* Material for MkDocs 9.8.1, partials/javascripts/content.html: its inline script (the one not
   behind the content.tabs.link feature, which this site does not use), moved here so the
   Content-Security-Policy allows no inline script (overrides/partials/csp.html).
   tests/test_csp.py checks the code. */
var target=document.getElementById(location.hash.slice(1));target&&target.name&&(target.checked=target.name.startsWith("__tabbed_"))
