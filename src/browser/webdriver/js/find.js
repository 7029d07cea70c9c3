const find = (s) => s.css !== undefined
  ? document.querySelector(s.css)
  : document.evaluate(s.xpath, document, null, XPathResult.FIRST_ORDERED_NODE_TYPE, null).singleNodeValue;
