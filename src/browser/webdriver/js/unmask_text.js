for (const [node, property, value] of (window.top.__nightshiftMasked || []).reverse()) node[property] = value;
window.top.__nightshiftMasked = undefined;
