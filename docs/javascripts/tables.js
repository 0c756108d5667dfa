// Long names in table cells may wrap between their words, never inside one: a <wbr> after each
// "_", "." and "=", and before a capital that follows a small letter (stylesheets/extra.css
// keeps the theme from breaking code anywhere else). Copying the text is unchanged. Then the
// page says so (data-table-names-wrap), for the rules that count on it.
document$.subscribe(() => {
  const boundary = /(?<=[_.=])(?=.)|(?<=[a-z])(?=[A-Z])/;
  for (const code of document.querySelectorAll(".md-typeset table code")) {
    if (code.children.length > 0) continue;
    const words = code.textContent.split(boundary);
    if (words.length < 2) continue;
    code.replaceChildren(
      ...words.flatMap((word, index) =>
        index === 0 ? [word] : [document.createElement("wbr"), word],
      ),
    );
  }
  document.documentElement.dataset.tableNamesWrap = "";
});
