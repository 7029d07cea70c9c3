const nav = (performance.getEntriesByType('navigation') || [])[0];
const errorPage = location.href.startsWith('chrome-error:');
const code = errorPage ? ((document.querySelector('.error-code') || {}).textContent || '').trim() : '';
return { error_page: errorPage, code: code, status: nav && nav.responseStatus ? nav.responseStatus : 0 };
