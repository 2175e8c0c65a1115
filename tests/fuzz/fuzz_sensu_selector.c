/*
 * fuzz_sensu_selector: libFuzzer target for the Sensu label and field
 * selector parser (common/dialects/sensu_selector.c), which reads the
 * labelSelector and fieldSelector query parameters of every Sensu list.
 *
 * The input, up to its first NUL, is one statement.  Empty selects all;
 * over SENSU_MAX_SELECTOR bytes is refused; a statement that parses names
 * an operator, and one with a final "&&" (an empty last clause) is
 * refused.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dialects/sensu_selector.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
has_operator(const char *s)
{
	static const char *const ops[] = {
	    " == ", " != ", " in ", " notin ", " matches "};
	size_t i;

	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (strstr(s, ops[i]) != NULL)
			return 1;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text, *more;
	size_t len;
	int ok;

	if ((text = strndup((const char *)data, size)) == NULL)
		return 0;
	len = strlen(text);
	ok = sensu_selector_valid(text) == 0;
	if ((len == 0 && !ok) || (len > SENSU_MAX_SELECTOR && ok) ||
	    (ok && len > 0 && !has_operator(text)))
		abort();
	if (ok && len > 0 && (more = malloc(len + sizeof(" &&"))) != NULL) {
		memcpy(more, text, len);
		memcpy(more + len, " &&", sizeof(" &&"));
		if (sensu_selector_valid(more) == 0)
			abort();
		free(more);
	}
	free(text);
	return 0;
}
