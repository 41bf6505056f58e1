// GET on a collection: the query read the style's way (paging parameters,
// the since parameter or the filter expression, lookups by field in the
// param form), the matching rows paged, and the page wrapped in the style's
// envelope. Unknown query parameters are refused (400) so that a client
// configured for another style fails loudly instead of reading everything.
#pragma once

#include "render.hpp"
#include "sim_http.hpp"
#include "table.hpp"

namespace weir::sims::erp {

// Call with Erp's lock held (the table borrows the data).
Response list_rows(const Request& req, const Table& table, const Render& render);

}  // namespace weir::sims::erp
