/* Material for MkDocs 9.8.1, partials/javascripts/base.html: its inline script, moved here so
   the Content-Security-Policy allows no inline script at all (overrides/partials/csp.html).
   The one value the theme wrote into the script, the scope, is the script element's
   data-md-scope. tests/test_csp.py checks the code against the installed theme's. */
__md_scope=new URL(document.currentScript.dataset.mdScope,location),__md_hash=e=>[...e].reduce(((e,_)=>(e<<5)-e+_.charCodeAt(0)),0),__md_get=(e,_=localStorage,t=__md_scope)=>JSON.parse(_.getItem(t.pathname+"."+e)),__md_set=(e,_,t=localStorage,a=__md_scope)=>{try{t.setItem(a.pathname+"."+e,JSON.stringify(_))}catch(e){}}
