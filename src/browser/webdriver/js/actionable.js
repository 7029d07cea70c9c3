watchNavigation();
const el = find(arguments[0]);
if (!el) return null;
let r = el.getBoundingClientRect();
if (r.width === 0 && r.height === 0 || (el.checkVisibility && !el.checkVisibility({ visibilityProperty: true })))
  return { el, why: 'is not visible' };
if (el.matches(':disabled')) return { el, why: 'is disabled' };
const moving = document.getAnimations && document.getAnimations().some(a =>
  a.playState === 'running' && a.effect && a.effect.target && a.effect.target.contains && a.effect.target.contains(el));
if (moving) return { el, why: 'is moving (an animation is running on it)' };
if (r.bottom < 0 || r.right < 0 || r.top > innerHeight || r.left > innerWidth) {
  el.scrollIntoView({ block: 'center', inline: 'center' });
  r = el.getBoundingClientRect();
}
// A modal dialog (`<dialog>` opened with showModal, or `aria-modal`) keeps
// the page behind it from a person's hands: the error names the dialog.
const modalOf = (n) => {
  for (; n; n = n.parentElement || (n.getRootNode() instanceof ShadowRoot ? n.getRootNode().host : null))
    if (n.matches('dialog:modal, [aria-modal=true]')) return n;
  return null;
};
const dialogName = (d) => squash(nameOf(d, 'dialog')) || describe(d);
const open = document.querySelector('dialog:modal');
if (open && !modalOf(el)) return { el, why: 'is behind the open dialog `' + dialogName(open) + '`' };
const x = Math.min(Math.max(r.left + r.width / 2, 0), innerWidth - 1);
const y = Math.min(Math.max(r.top + r.height / 2, 0), innerHeight - 1);
// Asked of the element's own tree, so that a shadow root's host does not hide what it holds.
const top = el.getRootNode().elementFromPoint(x, y);
if (top && top !== el && !el.contains(top) && !(top.control === el) && !(el.labels && Array.from(el.labels).includes(top))) {
  const name = top.tagName.toLowerCase() + (top.id ? '#' + top.id : '') +
    Array.from(top.classList).slice(0, 3).map(c => '.' + c).join('');
  const text = (top.innerText || '').trim().split('\n')[0].slice(0, 40);
  const modal = modalOf(top);
  if (modal && !modalOf(el)) return { el, why: 'is behind the open dialog `' + dialogName(modal) + '`' };
  return { el, why: 'is covered by `' + name + '`' + (text ? ' ("' + text + '")' : '') };
}
return { el, why: null, several: several(arguments[0]) };
