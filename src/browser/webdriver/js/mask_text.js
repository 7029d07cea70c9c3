const pattern = new RegExp(arguments[0], 'g');
const replacement = arguments[1];
const kept = [];
const visit = (doc) => {
    const walker = doc.createTreeWalker(doc.body || doc.documentElement, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const masked = node.nodeValue.replace(pattern, replacement);
        if (masked !== node.nodeValue) { kept.push([node, 'nodeValue', node.nodeValue]); node.nodeValue = masked; }
    }
    for (const field of doc.querySelectorAll('input, textarea')) {
        const masked = (field.value || '').replace(pattern, replacement);
        if (masked !== field.value) { kept.push([field, 'value', field.value]); field.value = masked; }
    }
    for (const frame of doc.querySelectorAll('frame, iframe')) {
        try { if (frame.contentDocument) visit(frame.contentDocument); } catch (e) {}
    }
};
visit(window.top.document);
window.top.__nightshiftMasked = kept;
