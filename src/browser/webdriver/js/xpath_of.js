let el = arguments[0], path = '';
for (; el && el.nodeType === 1; el = el.parentNode) {
  let n = 1;
  for (let s = el.previousElementSibling; s; s = s.previousElementSibling) if (s.tagName === el.tagName) n++;
  path = '/' + el.tagName.toLowerCase() + '[' + n + ']' + path;
}
return path;
