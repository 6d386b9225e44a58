/* The API docs page: every operation of /openapi.json by tag (a file, not an inline
 * script, so the page's Content Security Policy can forbid inline code). */
fetch('/openapi.json').then(r=>r.json()).then(doc=>{const root=document.getElementById('ops');
root.textContent='';const byTag={};for(const [path,ops] of Object.entries(doc.paths)){
for(const [method,op] of Object.entries(ops)){const tag=(op.tags||['other'])[0];
(byTag[tag]=byTag[tag]||[]).push([method,path,op]);}}for(const tag of Object.keys(byTag).sort()){
const h=document.createElement('h2');h.textContent=tag;root.append(h);for(const [m,p,op] of byTag[tag]){
const d=document.createElement('div');const s=document.createElement('span');s.className='m';
s.textContent=m.toUpperCase();const c=document.createElement('code');c.textContent=p;
d.append(s,c,document.createTextNode(' — '+op.summary));root.append(d);}}});
