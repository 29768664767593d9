// /api/v1/status/tsdb's data: head statistics and the top-10 cardinality lists.
#pragma once

#include <boost/json/object.hpp>

#include "lib/tsdb/head/head.h"

namespace tsdbd::http::api {

boost::json::object TsdbStatus(const tsdb::Head& head);

}  // namespace tsdbd::http::api
