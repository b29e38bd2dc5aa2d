var __defProp = Object.defineProperty;
var __name = (target, value) => __defProp(target, "name", { value, configurable: true });

// build/index.js
import { WorkerEntrypoint as Wt } from "cloudflare:workers";
import _t from "./7f4f69467cc96d969363b6cf75159a762bed4cc4-index_bg.wasm";
var Q = globalThis.__worker_init_state = { criticalError: false, instanceId: 0 };
var E = class {
  static {
    __name(this, "E");
  }
  __destroy_into_raw() {
    let t = this.__wbg_ptr;
    return this.__wbg_ptr = 0, X.unregister(this), t;
  }
  free() {
    let t = this.__destroy_into_raw();
    c();
    try {
      _.__wbg_accountsobject_free(t, 0);
    } catch (e) {
      s(e);
    }
  }
  alarm() {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== o) throw new Error("Invalid stale object from previous Wasm instance");
    let t;
    c();
    try {
      t = _.accountsobject_alarm(this.__wbg_ptr);
    } catch (e) {
      s(e);
    }
    return t;
  }
  connect(t) {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== o) throw new Error("Invalid stale object from previous Wasm instance");
    let e;
    c();
    try {
      e = _.accountsobject_connect(this.__wbg_ptr, t);
    } catch (n) {
      s(n);
    }
    return e;
  }
  fetch(t) {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== o) throw new Error("Invalid stale object from previous Wasm instance");
    let e;
    c();
    try {
      e = _.accountsobject_fetch(this.__wbg_ptr, t);
    } catch (n) {
      s(n);
    }
    return e;
  }
  constructor(t, e) {
    let n;
    c();
    try {
      n = _.accountsobject_new(t, e);
    } catch (i) {
      s(i);
    }
    return this.__wbg_ptr = n, Object.defineProperty(this, "__wbg_inst", { value: o, writable: true }), X.register(this, { ptr: n, instance: o }, this), this;
  }
  webSocketClose(t, e, n, i) {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== o) throw new Error("Invalid stale object from previous Wasm instance");
    let a = +e, b = +i, f = m(n, _.__wbindgen_malloc, _.__wbindgen_realloc), w = l, h;
    c();
    try {
      h = _.accountsobject_webSocketClose(this.__wbg_ptr, t, a, f, w, b);
    } catch (y) {
      s(y);
    }
    return h;
  }
  webSocketError(t, e) {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== o) throw new Error("Invalid stale object from previous Wasm instance");
    let n;
    c();
    try {
      n = _.accountsobject_webSocketError(this.__wbg_ptr, t, e);
    } catch (i) {
      s(i);
    }
    return n;
  }
  webSocketMessage(t, e) {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== o) throw new Error("Invalid stale object from previous Wasm instance");
    let n;
    c();
    try {
      n = _.accountsobject_webSocketMessage(this.__wbg_ptr, t, e);
    } catch (i) {
      s(i);
    }
    return n;
  }
};
Symbol.dispose && (E.prototype[Symbol.dispose] = E.prototype.free);
var S = class {
  static {
    __name(this, "S");
  }
  __destroy_into_raw() {
    let t = this.__wbg_ptr;
    return this.__wbg_ptr = 0, yt.unregister(this), t;
  }
  free() {
    let t = this.__destroy_into_raw();
    c();
    try {
      _.__wbg_containerstartupoptions_free(t, 0);
    } catch (e) {
      s(e);
    }
  }
  get enableInternet() {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== o) throw new Error("Invalid stale object from previous Wasm instance");
    let t;
    c();
    try {
      t = _.__wbg_get_containerstartupoptions_enableInternet(this.__wbg_ptr);
    } catch (e) {
      s(e);
    }
    return t === 16777215 ? void 0 : t !== 0;
  }
  get entrypoint() {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== o) throw new Error("Invalid stale object from previous Wasm instance");
    let t;
    c();
    try {
      t = _.__wbg_get_containerstartupoptions_entrypoint(this.__wbg_ptr);
    } catch (n) {
      s(n);
    }
    var e = bt(t[0], t[1]);
    return _.__wbindgen_free(t[0], t[1] * 4, 4), e;
  }
  get env() {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== o) throw new Error("Invalid stale object from previous Wasm instance");
    let t;
    c();
    try {
      t = _.__wbg_get_containerstartupoptions_env(this.__wbg_ptr);
    } catch (e) {
      s(e);
    }
    return t;
  }
  set enableInternet(t) {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== o) throw new Error("Invalid stale object from previous Wasm instance");
    c();
    try {
      _.__wbg_set_containerstartupoptions_enableInternet(this.__wbg_ptr, u(t) ? 16777215 : t ? 1 : 0);
    } catch (e) {
      s(e);
    }
  }
  set entrypoint(t) {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== o) throw new Error("Invalid stale object from previous Wasm instance");
    let e = ft(t, _.__wbindgen_malloc), n = l;
    c();
    try {
      _.__wbg_set_containerstartupoptions_entrypoint(this.__wbg_ptr, e, n);
    } catch (i) {
      s(i);
    }
  }
  set env(t) {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== o) throw new Error("Invalid stale object from previous Wasm instance");
    c();
    try {
      _.__wbg_set_containerstartupoptions_env(this.__wbg_ptr, t);
    } catch (e) {
      s(e);
    }
  }
};
Symbol.dispose && (S.prototype[Symbol.dispose] = S.prototype.free);
var W = class {
  static {
    __name(this, "W");
  }
  __destroy_into_raw() {
    let t = this.__wbg_ptr;
    return this.__wbg_ptr = 0, Y.unregister(this), t;
  }
  free() {
    let t = this.__destroy_into_raw();
    c();
    try {
      _.__wbg_dialogobject_free(t, 0);
    } catch (e) {
      s(e);
    }
  }
  alarm() {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== o) throw new Error("Invalid stale object from previous Wasm instance");
    let t;
    c();
    try {
      t = _.dialogobject_alarm(this.__wbg_ptr);
    } catch (e) {
      s(e);
    }
    return t;
  }
  connect(t) {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== o) throw new Error("Invalid stale object from previous Wasm instance");
    let e;
    c();
    try {
      e = _.dialogobject_connect(this.__wbg_ptr, t);
    } catch (n) {
      s(n);
    }
    return e;
  }
  fetch(t) {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== o) throw new Error("Invalid stale object from previous Wasm instance");
    let e;
    c();
    try {
      e = _.dialogobject_fetch(this.__wbg_ptr, t);
    } catch (n) {
      s(n);
    }
    return e;
  }
  constructor(t, e) {
    let n;
    c();
    try {
      n = _.dialogobject_new(t, e);
    } catch (i) {
      s(i);
    }
    return this.__wbg_ptr = n, Object.defineProperty(this, "__wbg_inst", { value: o, writable: true }), Y.register(this, { ptr: n, instance: o }, this), this;
  }
  webSocketClose(t, e, n, i) {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== o) throw new Error("Invalid stale object from previous Wasm instance");
    let a = +e, b = +i, f = m(n, _.__wbindgen_malloc, _.__wbindgen_realloc), w = l, h;
    c();
    try {
      h = _.dialogobject_webSocketClose(this.__wbg_ptr, t, a, f, w, b);
    } catch (y) {
      s(y);
    }
    return h;
  }
  webSocketError(t, e) {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== o) throw new Error("Invalid stale object from previous Wasm instance");
    let n;
    c();
    try {
      n = _.dialogobject_webSocketError(this.__wbg_ptr, t, e);
    } catch (i) {
      s(i);
    }
    return n;
  }
  webSocketMessage(t, e) {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== o) throw new Error("Invalid stale object from previous Wasm instance");
    let n;
    c();
    try {
      n = _.dialogobject_webSocketMessage(this.__wbg_ptr, t, e);
    } catch (i) {
      s(i);
    }
    return n;
  }
};
Symbol.dispose && (W.prototype[Symbol.dispose] = W.prototype.free);
var C = class {
  static {
    __name(this, "C");
  }
  __destroy_into_raw() {
    let t = this.__wbg_ptr;
    return this.__wbg_ptr = 0, mt.unregister(this), t;
  }
  free() {
    let t = this.__destroy_into_raw();
    c();
    try {
      _.__wbg_intounderlyingbytesource_free(t, 0);
    } catch (e) {
      s(e);
    }
  }
  get autoAllocateChunkSize() {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== o) throw new Error("Invalid stale object from previous Wasm instance");
    let t;
    c();
    try {
      t = _.intounderlyingbytesource_autoAllocateChunkSize(this.__wbg_ptr);
    } catch (e) {
      s(e);
    }
    return t >>> 0;
  }
  cancel() {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== o) throw new Error("Invalid stale object from previous Wasm instance");
    let t = this.__destroy_into_raw();
    c();
    try {
      _.intounderlyingbytesource_cancel(t);
    } catch (e) {
      s(e);
    }
  }
  pull(t) {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== o) throw new Error("Invalid stale object from previous Wasm instance");
    let e;
    c();
    try {
      e = _.intounderlyingbytesource_pull(this.__wbg_ptr, t);
    } catch (n) {
      s(n);
    }
    return e;
  }
  start(t) {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== o) throw new Error("Invalid stale object from previous Wasm instance");
    c();
    try {
      _.intounderlyingbytesource_start(this.__wbg_ptr, t);
    } catch (e) {
      s(e);
    }
  }
  get type() {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== o) throw new Error("Invalid stale object from previous Wasm instance");
    let t;
    c();
    try {
      t = _.intounderlyingbytesource_type(this.__wbg_ptr);
    } catch (e) {
      s(e);
    }
    return lt[t];
  }
};
Symbol.dispose && (C.prototype[Symbol.dispose] = C.prototype.free);
var L = class {
  static {
    __name(this, "L");
  }
  __destroy_into_raw() {
    let t = this.__wbg_ptr;
    return this.__wbg_ptr = 0, vt.unregister(this), t;
  }
  free() {
    let t = this.__destroy_into_raw();
    c();
    try {
      _.__wbg_intounderlyingsink_free(t, 0);
    } catch (e) {
      s(e);
    }
  }
  abort(t) {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== o) throw new Error("Invalid stale object from previous Wasm instance");
    let e = this.__destroy_into_raw(), n;
    c();
    try {
      n = _.intounderlyingsink_abort(e, t);
    } catch (i) {
      s(i);
    }
    return n;
  }
  close() {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== o) throw new Error("Invalid stale object from previous Wasm instance");
    let t = this.__destroy_into_raw(), e;
    c();
    try {
      e = _.intounderlyingsink_close(t);
    } catch (n) {
      s(n);
    }
    return e;
  }
  write(t) {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== o) throw new Error("Invalid stale object from previous Wasm instance");
    let e;
    c();
    try {
      e = _.intounderlyingsink_write(this.__wbg_ptr, t);
    } catch (n) {
      s(n);
    }
    return e;
  }
};
Symbol.dispose && (L.prototype[Symbol.dispose] = L.prototype.free);
var U = class {
  static {
    __name(this, "U");
  }
  __destroy_into_raw() {
    let t = this.__wbg_ptr;
    return this.__wbg_ptr = 0, jt.unregister(this), t;
  }
  free() {
    let t = this.__destroy_into_raw();
    c();
    try {
      _.__wbg_intounderlyingsource_free(t, 0);
    } catch (e) {
      s(e);
    }
  }
  cancel() {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== o) throw new Error("Invalid stale object from previous Wasm instance");
    let t = this.__destroy_into_raw();
    c();
    try {
      _.intounderlyingsource_cancel(t);
    } catch (e) {
      s(e);
    }
  }
  pull(t) {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== o) throw new Error("Invalid stale object from previous Wasm instance");
    let e;
    c();
    try {
      e = _.intounderlyingsource_pull(this.__wbg_ptr, t);
    } catch (n) {
      s(n);
    }
    return e;
  }
};
Symbol.dispose && (U.prototype[Symbol.dispose] = U.prototype.free);
var R = class {
  static {
    __name(this, "R");
  }
  __destroy_into_raw() {
    let t = this.__wbg_ptr;
    return this.__wbg_ptr = 0, Z.unregister(this), t;
  }
  free() {
    let t = this.__destroy_into_raw();
    c();
    try {
      _.__wbg_lineobject_free(t, 0);
    } catch (e) {
      s(e);
    }
  }
  alarm() {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== o) throw new Error("Invalid stale object from previous Wasm instance");
    let t;
    c();
    try {
      t = _.lineobject_alarm(this.__wbg_ptr);
    } catch (e) {
      s(e);
    }
    return t;
  }
  connect(t) {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== o) throw new Error("Invalid stale object from previous Wasm instance");
    let e;
    c();
    try {
      e = _.lineobject_connect(this.__wbg_ptr, t);
    } catch (n) {
      s(n);
    }
    return e;
  }
  fetch(t) {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== o) throw new Error("Invalid stale object from previous Wasm instance");
    let e;
    c();
    try {
      e = _.lineobject_fetch(this.__wbg_ptr, t);
    } catch (n) {
      s(n);
    }
    return e;
  }
  constructor(t, e) {
    let n;
    c();
    try {
      n = _.lineobject_new(t, e);
    } catch (i) {
      s(i);
    }
    return this.__wbg_ptr = n, Object.defineProperty(this, "__wbg_inst", { value: o, writable: true }), Z.register(this, { ptr: n, instance: o }, this), this;
  }
  webSocketClose(t, e, n, i) {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== o) throw new Error("Invalid stale object from previous Wasm instance");
    let a = +e, b = +i, f = m(n, _.__wbindgen_malloc, _.__wbindgen_realloc), w = l, h;
    c();
    try {
      h = _.lineobject_webSocketClose(this.__wbg_ptr, t, a, f, w, b);
    } catch (y) {
      s(y);
    }
    return h;
  }
  webSocketError(t, e) {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== o) throw new Error("Invalid stale object from previous Wasm instance");
    let n;
    c();
    try {
      n = _.lineobject_webSocketError(this.__wbg_ptr, t, e);
    } catch (i) {
      s(i);
    }
    return n;
  }
  webSocketMessage(t, e) {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== o) throw new Error("Invalid stale object from previous Wasm instance");
    let n;
    c();
    try {
      n = _.lineobject_webSocketMessage(this.__wbg_ptr, t, e);
    } catch (i) {
      s(i);
    }
    return n;
  }
};
Symbol.dispose && (R.prototype[Symbol.dispose] = R.prototype.free);
var x = class r {
  static {
    __name(this, "r");
  }
  static __wrap(t) {
    let e = Object.create(r.prototype);
    return e.__wbg_ptr = t, Object.defineProperty(e, "__wbg_inst", { value: o, writable: true }), tt.register(e, { ptr: t, instance: o }, e), e;
  }
  __destroy_into_raw() {
    let t = this.__wbg_ptr;
    return this.__wbg_ptr = 0, tt.unregister(this), t;
  }
  free() {
    let t = this.__destroy_into_raw();
    c();
    try {
      _.__wbg_minifyconfig_free(t, 0);
    } catch (e) {
      s(e);
    }
  }
  get css() {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== o) throw new Error("Invalid stale object from previous Wasm instance");
    let t;
    c();
    try {
      t = _.__wbg_get_minifyconfig_css(this.__wbg_ptr);
    } catch (e) {
      s(e);
    }
    return t !== 0;
  }
  get html() {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== o) throw new Error("Invalid stale object from previous Wasm instance");
    let t;
    c();
    try {
      t = _.__wbg_get_minifyconfig_html(this.__wbg_ptr);
    } catch (e) {
      s(e);
    }
    return t !== 0;
  }
  get js() {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== o) throw new Error("Invalid stale object from previous Wasm instance");
    let t;
    c();
    try {
      t = _.__wbg_get_minifyconfig_js(this.__wbg_ptr);
    } catch (e) {
      s(e);
    }
    return t !== 0;
  }
  set css(t) {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== o) throw new Error("Invalid stale object from previous Wasm instance");
    c();
    try {
      _.__wbg_set_minifyconfig_css(this.__wbg_ptr, t);
    } catch (e) {
      s(e);
    }
  }
  set html(t) {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== o) throw new Error("Invalid stale object from previous Wasm instance");
    c();
    try {
      _.__wbg_set_minifyconfig_html(this.__wbg_ptr, t);
    } catch (e) {
      s(e);
    }
  }
  set js(t) {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== o) throw new Error("Invalid stale object from previous Wasm instance");
    c();
    try {
      _.__wbg_set_minifyconfig_js(this.__wbg_ptr, t);
    } catch (e) {
      s(e);
    }
  }
};
Symbol.dispose && (x.prototype[Symbol.dispose] = x.prototype.free);
var k = class {
  static {
    __name(this, "k");
  }
  __destroy_into_raw() {
    let t = this.__wbg_ptr;
    return this.__wbg_ptr = 0, et.unregister(this), t;
  }
  free() {
    let t = this.__destroy_into_raw();
    c();
    try {
      _.__wbg_outboxobject_free(t, 0);
    } catch (e) {
      s(e);
    }
  }
  alarm() {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== o) throw new Error("Invalid stale object from previous Wasm instance");
    let t;
    c();
    try {
      t = _.outboxobject_alarm(this.__wbg_ptr);
    } catch (e) {
      s(e);
    }
    return t;
  }
  connect(t) {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== o) throw new Error("Invalid stale object from previous Wasm instance");
    let e;
    c();
    try {
      e = _.outboxobject_connect(this.__wbg_ptr, t);
    } catch (n) {
      s(n);
    }
    return e;
  }
  fetch(t) {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== o) throw new Error("Invalid stale object from previous Wasm instance");
    let e;
    c();
    try {
      e = _.outboxobject_fetch(this.__wbg_ptr, t);
    } catch (n) {
      s(n);
    }
    return e;
  }
  constructor(t, e) {
    let n;
    c();
    try {
      n = _.outboxobject_new(t, e);
    } catch (i) {
      s(i);
    }
    return this.__wbg_ptr = n, Object.defineProperty(this, "__wbg_inst", { value: o, writable: true }), et.register(this, { ptr: n, instance: o }, this), this;
  }
  webSocketClose(t, e, n, i) {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== o) throw new Error("Invalid stale object from previous Wasm instance");
    let a = +e, b = +i, f = m(n, _.__wbindgen_malloc, _.__wbindgen_realloc), w = l, h;
    c();
    try {
      h = _.outboxobject_webSocketClose(this.__wbg_ptr, t, a, f, w, b);
    } catch (y) {
      s(y);
    }
    return h;
  }
  webSocketError(t, e) {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== o) throw new Error("Invalid stale object from previous Wasm instance");
    let n;
    c();
    try {
      n = _.outboxobject_webSocketError(this.__wbg_ptr, t, e);
    } catch (i) {
      s(i);
    }
    return n;
  }
  webSocketMessage(t, e) {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== o) throw new Error("Invalid stale object from previous Wasm instance");
    let n;
    c();
    try {
      n = _.outboxobject_webSocketMessage(this.__wbg_ptr, t, e);
    } catch (i) {
      s(i);
    }
    return n;
  }
};
Symbol.dispose && (k.prototype[Symbol.dispose] = k.prototype.free);
var F = class {
  static {
    __name(this, "F");
  }
  __destroy_into_raw() {
    let t = this.__wbg_ptr;
    return this.__wbg_ptr = 0, It.unregister(this), t;
  }
  free() {
    let t = this.__destroy_into_raw();
    c();
    try {
      _.__wbg_r2range_free(t, 0);
    } catch (e) {
      s(e);
    }
  }
  get length() {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== o) throw new Error("Invalid stale object from previous Wasm instance");
    let t;
    c();
    try {
      t = _.__wbg_get_r2range_length(this.__wbg_ptr);
    } catch (e) {
      s(e);
    }
    return t[0] === 0 ? void 0 : t[1];
  }
  get offset() {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== o) throw new Error("Invalid stale object from previous Wasm instance");
    let t;
    c();
    try {
      t = _.__wbg_get_r2range_offset(this.__wbg_ptr);
    } catch (e) {
      s(e);
    }
    return t[0] === 0 ? void 0 : t[1];
  }
  get suffix() {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== o) throw new Error("Invalid stale object from previous Wasm instance");
    let t;
    c();
    try {
      t = _.__wbg_get_r2range_suffix(this.__wbg_ptr);
    } catch (e) {
      s(e);
    }
    return t[0] === 0 ? void 0 : t[1];
  }
  set length(t) {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== o) throw new Error("Invalid stale object from previous Wasm instance");
    c();
    try {
      _.__wbg_set_r2range_length(this.__wbg_ptr, !u(t), u(t) ? 0 : t);
    } catch (e) {
      s(e);
    }
  }
  set offset(t) {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== o) throw new Error("Invalid stale object from previous Wasm instance");
    c();
    try {
      _.__wbg_set_r2range_offset(this.__wbg_ptr, !u(t), u(t) ? 0 : t);
    } catch (e) {
      s(e);
    }
  }
  set suffix(t) {
    if (this.__wbg_inst !== void 0 && this.__wbg_inst !== o) throw new Error("Invalid stale object from previous Wasm instance");
    c();
    try {
      _.__wbg_set_r2range_suffix(this.__wbg_ptr, !u(t), u(t) ? 0 : t);
    } catch (e) {
      s(e);
    }
  }
};
Symbol.dispose && (F.prototype[Symbol.dispose] = F.prototype.free);
function D() {
  o++, I = null, z = null, O = null, typeof numBytesDecoded < "u" && (numBytesDecoded = 0), typeof l < "u" && (l = 0), H = false, q = false, $ = new WebAssembly.Instance(_t, st()), _ = $.exports, _.__wbindgen_start();
}
__name(D, "D");
function it() {
  let r2;
  c();
  try {
    r2 = _.__worker_init_state();
  } catch (t) {
    s(t);
  }
  return r2;
}
__name(it, "it");
function ot(r2, t, e) {
  let n;
  c();
  try {
    n = _.fetch(r2, t, e);
  } catch (i) {
    s(i);
  }
  return n;
}
__name(ot, "ot");
function st() {
  return { __proto__: null, "./index_bg.js": { __proto__: null, __wbg_Error_208446807d0d1e30: /* @__PURE__ */ __name(function(t, e) {
    return Error(d(t, e));
  }, "__wbg_Error_208446807d0d1e30"), __wbg_Number_ff192a72a0dcdf6d: /* @__PURE__ */ __name(function(t) {
    return Number(t);
  }, "__wbg_Number_ff192a72a0dcdf6d"), __wbg_String_8564e559799eccda: /* @__PURE__ */ __name(function(t, e) {
    let n = String(e), i = m(n, _.__wbindgen_malloc, _.__wbindgen_realloc), a = l;
    g().setInt32((t >>> 0) + 4, a, true), g().setInt32((t >>> 0) + 0, i, true);
  }, "__wbg_String_8564e559799eccda"), __wbg___wbindgen_bigint_get_as_i64_11da4b52cd0aedef: /* @__PURE__ */ __name(function(t, e) {
    let n = e, i = typeof n == "bigint" ? n : void 0;
    g().setBigInt64((t >>> 0) + 8, u(i) ? BigInt(0) : i, true), g().setInt32((t >>> 0) + 0, !u(i), true);
  }, "__wbg___wbindgen_bigint_get_as_i64_11da4b52cd0aedef"), __wbg___wbindgen_boolean_get_4f1baf9a00be3c74: /* @__PURE__ */ __name(function(t) {
    let e = t, n = typeof e == "boolean" ? e : void 0;
    return u(n) ? 16777215 : n ? 1 : 0;
  }, "__wbg___wbindgen_boolean_get_4f1baf9a00be3c74"), __wbg___wbindgen_debug_string_f249a2a76caa9a55: /* @__PURE__ */ __name(function(t, e) {
    let n = at(e), i = m(n, _.__wbindgen_malloc, _.__wbindgen_realloc), a = l;
    g().setInt32((t >>> 0) + 4, a, true), g().setInt32((t >>> 0) + 0, i, true);
  }, "__wbg___wbindgen_debug_string_f249a2a76caa9a55"), __wbg___wbindgen_in_3f58a9d3b3a7eed2: /* @__PURE__ */ __name(function(t, e) {
    return t in e;
  }, "__wbg___wbindgen_in_3f58a9d3b3a7eed2"), __wbg___wbindgen_is_bigint_5fa10641e039d3ef: /* @__PURE__ */ __name(function(t) {
    return typeof t == "bigint";
  }, "__wbg___wbindgen_is_bigint_5fa10641e039d3ef"), __wbg___wbindgen_is_function_741ff2bb612836f5: /* @__PURE__ */ __name(function(t) {
    return typeof t == "function";
  }, "__wbg___wbindgen_is_function_741ff2bb612836f5"), __wbg___wbindgen_is_null_c22311b1cc228e3a: /* @__PURE__ */ __name(function(t) {
    return t === null;
  }, "__wbg___wbindgen_is_null_c22311b1cc228e3a"), __wbg___wbindgen_is_null_or_undefined_fb96af93c75460ae: /* @__PURE__ */ __name(function(t) {
    return t == null;
  }, "__wbg___wbindgen_is_null_or_undefined_fb96af93c75460ae"), __wbg___wbindgen_is_object_8b968c3ab8e96595: /* @__PURE__ */ __name(function(t) {
    let e = t;
    return typeof e == "object" && e !== null;
  }, "__wbg___wbindgen_is_object_8b968c3ab8e96595"), __wbg___wbindgen_is_string_fc456fee5d3317de: /* @__PURE__ */ __name(function(t) {
    return typeof t == "string";
  }, "__wbg___wbindgen_is_string_fc456fee5d3317de"), __wbg___wbindgen_is_undefined_be5b34249ff1fc15: /* @__PURE__ */ __name(function(t) {
    return t === void 0;
  }, "__wbg___wbindgen_is_undefined_be5b34249ff1fc15"), __wbg___wbindgen_jsval_eq_38d7bfbe4cc84039: /* @__PURE__ */ __name(function(t, e) {
    return t === e;
  }, "__wbg___wbindgen_jsval_eq_38d7bfbe4cc84039"), __wbg___wbindgen_jsval_loose_eq_b2f214e2e4b30e36: /* @__PURE__ */ __name(function(t, e) {
    return t == e;
  }, "__wbg___wbindgen_jsval_loose_eq_b2f214e2e4b30e36"), __wbg___wbindgen_number_get_934b640d0889af78: /* @__PURE__ */ __name(function(t, e) {
    let n = e, i = typeof n == "number" ? n : void 0;
    g().setFloat64((t >>> 0) + 8, u(i) ? 0 : i, true), g().setInt32((t >>> 0) + 0, !u(i), true);
  }, "__wbg___wbindgen_number_get_934b640d0889af78"), __wbg___wbindgen_reinit_2fe0d0b9c1cc3c21: /* @__PURE__ */ __name(function() {
    q = true;
  }, "__wbg___wbindgen_reinit_2fe0d0b9c1cc3c21"), __wbg___wbindgen_string_get_7ce8eee7fd327545: /* @__PURE__ */ __name(function(t, e) {
    let n = e, i = typeof n == "string" ? n : void 0;
    var a = u(i) ? 0 : m(i, _.__wbindgen_malloc, _.__wbindgen_realloc), b = l;
    g().setInt32((t >>> 0) + 4, b, true), g().setInt32((t >>> 0) + 0, a, true);
  }, "__wbg___wbindgen_string_get_7ce8eee7fd327545"), __wbg___wbindgen_throw_4c88d8bf264fd984: /* @__PURE__ */ __name(function(t, e) {
    throw new WebAssembly.Exception(N, [new Error(d(t, e))]);
  }, "__wbg___wbindgen_throw_4c88d8bf264fd984"), __wbg__wbg_cb_unref_09736879a3f67559: /* @__PURE__ */ __name(function(t) {
    t._wbg_cb_unref();
  }, "__wbg__wbg_cb_unref_09736879a3f67559"), __wbg_acceptWebSocket_29076c97ea3e9d59: /* @__PURE__ */ __name(function(t, e, n, i) {
    var a = bt(n, i);
    _.__wbindgen_free(n, i * 4, 4), t.acceptWebSocket(e, a);
  }, "__wbg_acceptWebSocket_29076c97ea3e9d59"), __wbg_arrayBuffer_39a766224696fd9d: /* @__PURE__ */ __name(function(t) {
    return t.arrayBuffer();
  }, "__wbg_arrayBuffer_39a766224696fd9d"), __wbg_body_0da01a9a056907d8: /* @__PURE__ */ __name(function(t) {
    let e = t.body;
    return u(e) ? 0 : p(e);
  }, "__wbg_body_0da01a9a056907d8"), __wbg_buffer_aca05a93c046db1a: /* @__PURE__ */ __name(function(t) {
    return t.buffer;
  }, "__wbg_buffer_aca05a93c046db1a"), __wbg_byobRequest_18280c78e462544c: /* @__PURE__ */ __name(function(t) {
    let e = t.byobRequest;
    return u(e) ? 0 : p(e);
  }, "__wbg_byobRequest_18280c78e462544c"), __wbg_byteLength_c5f3c188d5252e5b: /* @__PURE__ */ __name(function(t) {
    return t.byteLength;
  }, "__wbg_byteLength_c5f3c188d5252e5b"), __wbg_byteOffset_63cdc7b38f33a45e: /* @__PURE__ */ __name(function(t) {
    return t.byteOffset;
  }, "__wbg_byteOffset_63cdc7b38f33a45e"), __wbg_call_a410eb4b59ed5965: /* @__PURE__ */ __name(function(t, e, n) {
    return t.call(e, n);
  }, "__wbg_call_a410eb4b59ed5965"), __wbg_cancel_b195250778e9d8e7: /* @__PURE__ */ __name(function(t) {
    return t.cancel();
  }, "__wbg_cancel_b195250778e9d8e7"), __wbg_catch_fd4c7ea14fde9d83: /* @__PURE__ */ __name(function(t, e) {
    return t.catch(e);
  }, "__wbg_catch_fd4c7ea14fde9d83"), __wbg_cause_4cdda1b55a30b227: /* @__PURE__ */ __name(function(t) {
    return t.cause;
  }, "__wbg_cause_4cdda1b55a30b227"), __wbg_cf_3eef96d446a499c0: /* @__PURE__ */ __name(function(t) {
    let e = t.cf;
    return u(e) ? 0 : p(e);
  }, "__wbg_cf_3eef96d446a499c0"), __wbg_cf_e4bf1d08e9961dec: /* @__PURE__ */ __name(function(t) {
    let e = t.cf;
    return u(e) ? 0 : p(e);
  }, "__wbg_cf_e4bf1d08e9961dec"), __wbg_close_294d3f727cb7a844: /* @__PURE__ */ __name(function(t) {
    t.close();
  }, "__wbg_close_294d3f727cb7a844"), __wbg_close_bf94aa7e38b9a94b: /* @__PURE__ */ __name(function(t) {
    t.close();
  }, "__wbg_close_bf94aa7e38b9a94b"), __wbg_constructor_76ad3e2c50d259de: /* @__PURE__ */ __name(function(t) {
    return t.constructor;
  }, "__wbg_constructor_76ad3e2c50d259de"), __wbg_debug_29e5044b8c3730bb: /* @__PURE__ */ __name(function(t) {
    console.debug(t);
  }, "__wbg_debug_29e5044b8c3730bb"), __wbg_deleteAlarm_e03d0e7e46b1af1c: /* @__PURE__ */ __name(function(t, e) {
    return t.deleteAlarm(e);
  }, "__wbg_deleteAlarm_e03d0e7e46b1af1c"), __wbg_deriveBits_4c00b9e4633ad461: /* @__PURE__ */ __name(function(t, e, n, i) {
    return t.deriveBits(e, n, i >>> 0);
  }, "__wbg_deriveBits_4c00b9e4633ad461"), __wbg_deserializeAttachment_b0638e89b27e2a83: /* @__PURE__ */ __name(function(t) {
    return t.deserializeAttachment();
  }, "__wbg_deserializeAttachment_b0638e89b27e2a83"), __wbg_done_57e08d0be6e30c02: /* @__PURE__ */ __name(function(t) {
    return t.done;
  }, "__wbg_done_57e08d0be6e30c02"), __wbg_encodeURIComponent_e0d7769acee2dcb5: /* @__PURE__ */ __name(function(t, e) {
    return encodeURIComponent(d(t, e));
  }, "__wbg_encodeURIComponent_e0d7769acee2dcb5"), __wbg_enqueue_c11626eae1c54509: /* @__PURE__ */ __name(function(t, e) {
    t.enqueue(e);
  }, "__wbg_enqueue_c11626eae1c54509"), __wbg_error_9b95f63d905893d2: /* @__PURE__ */ __name(function(t, e) {
    console.error(t, e);
  }, "__wbg_error_9b95f63d905893d2"), __wbg_error_d1fc0193610e0e39: /* @__PURE__ */ __name(function(t) {
    console.error(t);
  }, "__wbg_error_d1fc0193610e0e39"), __wbg_exec_85b624bc72d8a6f2: /* @__PURE__ */ __name(function(t, e, n, i) {
    return t.exec(d(e, n), ...i);
  }, "__wbg_exec_85b624bc72d8a6f2"), __wbg_fetch_58e62838507dad34: /* @__PURE__ */ __name(function(t, e) {
    return t.fetch(e);
  }, "__wbg_fetch_58e62838507dad34"), __wbg_fetch_8991a6a8ea67c83b: /* @__PURE__ */ __name(function(t, e, n, i) {
    return t.fetch(d(e, n), i);
  }, "__wbg_fetch_8991a6a8ea67c83b"), __wbg_fetch_a416b432a33cc077: /* @__PURE__ */ __name(function(t, e, n) {
    return t.fetch(e, n);
  }, "__wbg_fetch_a416b432a33cc077"), __wbg_getRandomValues_8b6f1f663e6f188d: /* @__PURE__ */ __name(function(t, e) {
    globalThis.crypto.getRandomValues(T(t, e));
  }, "__wbg_getRandomValues_8b6f1f663e6f188d"), __wbg_getReader_3b3096cf504fce5e: /* @__PURE__ */ __name(function(t) {
    return t.getReader();
  }, "__wbg_getReader_3b3096cf504fce5e"), __wbg_getTime_edc91481cbc4cd78: /* @__PURE__ */ __name(function(t) {
    return t.getTime();
  }, "__wbg_getTime_edc91481cbc4cd78"), __wbg_getWebSockets_4b8ae63907f9ad57: /* @__PURE__ */ __name(function(t, e, n, i) {
    let a = e.getWebSockets(d(n, i)), b = ft(a, _.__wbindgen_malloc), f = l;
    g().setInt32((t >>> 0) + 4, f, true), g().setInt32((t >>> 0) + 0, b, true);
  }, "__wbg_getWebSockets_4b8ae63907f9ad57"), __wbg_get_0ae635d02d232017: /* @__PURE__ */ __name(function(t, e) {
    let n = Reflect.get(t, e);
    return u(n) ? 0 : p(n);
  }, "__wbg_get_0ae635d02d232017"), __wbg_get_2080c49015e35254: /* @__PURE__ */ __name(function(t, e) {
    return Reflect.get(t, e);
  }, "__wbg_get_2080c49015e35254"), __wbg_get_4d87e704eb410caa: /* @__PURE__ */ __name(function(t, e) {
    return t.get(e);
  }, "__wbg_get_4d87e704eb410caa"), __wbg_get_556f1c9a5c587e8c: /* @__PURE__ */ __name(function(t, e, n, i) {
    let a = e.get(d(n, i));
    var b = u(a) ? 0 : m(a, _.__wbindgen_malloc, _.__wbindgen_realloc), f = l;
    g().setInt32((t >>> 0) + 4, f, true), g().setInt32((t >>> 0) + 0, b, true);
  }, "__wbg_get_556f1c9a5c587e8c"), __wbg_get_bb8b6b35041e00c9: /* @__PURE__ */ __name(function(t, e) {
    return Reflect.get(t, e >>> 0);
  }, "__wbg_get_bb8b6b35041e00c9"), __wbg_get_done_3bf2b4a34e149301: /* @__PURE__ */ __name(function(t) {
    let e = t.done;
    return u(e) ? 16777215 : e ? 1 : 0;
  }, "__wbg_get_done_3bf2b4a34e149301"), __wbg_get_unchecked_e6325ad374eff861: /* @__PURE__ */ __name(function(t, e) {
    return t[e >>> 0];
  }, "__wbg_get_unchecked_e6325ad374eff861"), __wbg_get_value_9454480da7066d61: /* @__PURE__ */ __name(function(t) {
    return t.value;
  }, "__wbg_get_value_9454480da7066d61"), __wbg_get_with_ref_key_fc601247060b7204: /* @__PURE__ */ __name(function(t, e) {
    return t[e];
  }, "__wbg_get_with_ref_key_fc601247060b7204"), __wbg_headers_5fc0106c076eb731: /* @__PURE__ */ __name(function(t) {
    return t.headers;
  }, "__wbg_headers_5fc0106c076eb731"), __wbg_headers_9ef80dd266706f48: /* @__PURE__ */ __name(function(t) {
    return t.headers;
  }, "__wbg_headers_9ef80dd266706f48"), __wbg_idFromName_8e1943d73c953e77: /* @__PURE__ */ __name(function(t, e, n) {
    return t.idFromName(d(e, n));
  }, "__wbg_idFromName_8e1943d73c953e77"), __wbg_importKey_d8db521a98ea1991: /* @__PURE__ */ __name(function(t, e, n, i, a, b, f, w) {
    return t.importKey(d(e, n), i, d(a, b), f !== 0, w);
  }, "__wbg_importKey_d8db521a98ea1991"), __wbg_instanceId_65a51bedfd10160a: /* @__PURE__ */ __name(function(t) {
    return t.instanceId;
  }, "__wbg_instanceId_65a51bedfd10160a"), __wbg_instanceof_ArrayBuffer_12cdaa4161423e6b: /* @__PURE__ */ __name(function(t) {
    let e;
    try {
      e = t instanceof ArrayBuffer;
    } catch {
      e = false;
    }
    return e;
  }, "__wbg_instanceof_ArrayBuffer_12cdaa4161423e6b"), __wbg_instanceof_Error_74e3cca0c4a69161: /* @__PURE__ */ __name(function(t) {
    let e;
    try {
      e = t instanceof Error;
    } catch {
      e = false;
    }
    return e;
  }, "__wbg_instanceof_Error_74e3cca0c4a69161"), __wbg_instanceof_ReadableStream_ac28304925ec0f96: /* @__PURE__ */ __name(function(t) {
    let e;
    try {
      e = t instanceof ReadableStream;
    } catch {
      e = false;
    }
    return e;
  }, "__wbg_instanceof_ReadableStream_ac28304925ec0f96"), __wbg_instanceof_Response_5b0b4f7f1daeae51: /* @__PURE__ */ __name(function(t) {
    let e;
    try {
      e = t instanceof Response;
    } catch {
      e = false;
    }
    return e;
  }, "__wbg_instanceof_Response_5b0b4f7f1daeae51"), __wbg_instanceof_Uint8Array_d7aeb0dcb3108fea: /* @__PURE__ */ __name(function(t) {
    let e;
    try {
      e = t instanceof Uint8Array;
    } catch {
      e = false;
    }
    return e;
  }, "__wbg_instanceof_Uint8Array_d7aeb0dcb3108fea"), __wbg_isSafeInteger_1a35ba4d31e71d38: /* @__PURE__ */ __name(function(t) {
    return Number.isSafeInteger(t);
  }, "__wbg_isSafeInteger_1a35ba4d31e71d38"), __wbg_keys_296846770c088f87: /* @__PURE__ */ __name(function(t) {
    return t.keys();
  }, "__wbg_keys_296846770c088f87"), __wbg_length_186163212ffe79c3: /* @__PURE__ */ __name(function(t) {
    return t.length;
  }, "__wbg_length_186163212ffe79c3"), __wbg_length_b03a0fabb109b1e9: /* @__PURE__ */ __name(function(t) {
    return t.length;
  }, "__wbg_length_b03a0fabb109b1e9"), __wbg_limit_ad59551ec600a84b: /* @__PURE__ */ __name(function(t, e) {
    return t.limit(e);
  }, "__wbg_limit_ad59551ec600a84b"), __wbg_log_ff86bbb34c295e21: /* @__PURE__ */ __name(function(t) {
    console.log(t);
  }, "__wbg_log_ff86bbb34c295e21"), __wbg_message_43d8c8f1d543a349: /* @__PURE__ */ __name(function(t) {
    return t.message;
  }, "__wbg_message_43d8c8f1d543a349"), __wbg_method_3d406ebab4dd9853: /* @__PURE__ */ __name(function(t, e) {
    let n = e.method, i = m(n, _.__wbindgen_malloc, _.__wbindgen_realloc), a = l;
    g().setInt32((t >>> 0) + 4, a, true), g().setInt32((t >>> 0) + 0, i, true);
  }, "__wbg_method_3d406ebab4dd9853"), __wbg_minifyconfig_new: /* @__PURE__ */ __name(function(t) {
    return x.__wrap(t);
  }, "__wbg_minifyconfig_new"), __wbg_name_d1fa514fdca6a975: /* @__PURE__ */ __name(function(t) {
    return t.name;
  }, "__wbg_name_d1fa514fdca6a975"), __wbg_name_fd11f69c917c5670: /* @__PURE__ */ __name(function(t) {
    return t.name;
  }, "__wbg_name_fd11f69c917c5670"), __wbg_new_0_36d738a0c8cfac43: /* @__PURE__ */ __name(function() {
    return /* @__PURE__ */ new Date();
  }, "__wbg_new_0_36d738a0c8cfac43"), __wbg_new_13de428334042d26: /* @__PURE__ */ __name(function(t) {
    return new Uint8Array(t);
  }, "__wbg_new_13de428334042d26"), __wbg_new_277c27c26f94cbc2: /* @__PURE__ */ __name(function() {
    return new Headers();
  }, "__wbg_new_277c27c26f94cbc2"), __wbg_new_37eb45aaf5eeb820: /* @__PURE__ */ __name(function() {
    return new Array();
  }, "__wbg_new_37eb45aaf5eeb820"), __wbg_new_3e95cd7386bb9a6c: /* @__PURE__ */ __name(function(t) {
    return new Date(t);
  }, "__wbg_new_3e95cd7386bb9a6c"), __wbg_new_7075786089b89c5e: /* @__PURE__ */ __name(function() {
    return /* @__PURE__ */ new Map();
  }, "__wbg_new_7075786089b89c5e"), __wbg_new_787b9fb330d55d78: /* @__PURE__ */ __name(function(t, e) {
    return new Error(d(t, e));
  }, "__wbg_new_787b9fb330d55d78"), __wbg_new_cd4348290afae586: /* @__PURE__ */ __name(function() {
    return new Object();
  }, "__wbg_new_cd4348290afae586"), __wbg_new_e119023fca43b021: /* @__PURE__ */ __name(function() {
    return new WebSocketPair();
  }, "__wbg_new_e119023fca43b021"), __wbg_new_from_slice_b8daf545a41c6aa0: /* @__PURE__ */ __name(function(t, e) {
    return new Uint8Array(T(t, e));
  }, "__wbg_new_from_slice_b8daf545a41c6aa0"), __wbg_new_typed_e09da9dae6ee5935: /* @__PURE__ */ __name(function(t, e) {
    try {
      var n = { a: t, b: e }, i = /* @__PURE__ */ __name((b, f) => {
        let w = n.a;
        n.a = 0;
        try {
          return dt(w, n.b, b, f);
        } finally {
          n.a = w;
        }
      }, "i");
      return new Promise(i);
    } finally {
      n.a = 0;
    }
  }, "__wbg_new_typed_e09da9dae6ee5935"), __wbg_new_with_byte_offset_and_length_3cd32055a417f095: /* @__PURE__ */ __name(function(t, e, n) {
    return new Uint8Array(t, e >>> 0, n >>> 0);
  }, "__wbg_new_with_byte_offset_and_length_3cd32055a417f095"), __wbg_new_with_headers_28412d4f955f6225: /* @__PURE__ */ __name(function(t) {
    return new Headers(t);
  }, "__wbg_new_with_headers_28412d4f955f6225"), __wbg_new_with_length_01b143a7e5dd5a3e: /* @__PURE__ */ __name(function(t) {
    return new Uint8Array(t >>> 0);
  }, "__wbg_new_with_length_01b143a7e5dd5a3e"), __wbg_new_with_opt_buffer_source_and_init_efb63b64b37a12c7: /* @__PURE__ */ __name(function(t, e) {
    return new Response(t, e);
  }, "__wbg_new_with_opt_buffer_source_and_init_efb63b64b37a12c7"), __wbg_new_with_opt_readable_stream_and_init_383c64eccf9e9cc7: /* @__PURE__ */ __name(function(t, e) {
    return new Response(t, e);
  }, "__wbg_new_with_opt_readable_stream_and_init_383c64eccf9e9cc7"), __wbg_new_with_opt_str_and_init_6456bed24baae6fc: /* @__PURE__ */ __name(function(t, e, n) {
    return new Response(t === 0 ? void 0 : d(t, e), n);
  }, "__wbg_new_with_opt_str_and_init_6456bed24baae6fc"), __wbg_new_with_str_and_init_d9f6b5611184e16b: /* @__PURE__ */ __name(function(t, e, n) {
    return new Request(d(t, e), n);
  }, "__wbg_new_with_str_and_init_d9f6b5611184e16b"), __wbg_next_af5ac6a08bb0a717: /* @__PURE__ */ __name(function(t) {
    return t.next();
  }, "__wbg_next_af5ac6a08bb0a717"), __wbg_now_463ac581d2fc7ea3: /* @__PURE__ */ __name(function() {
    return Date.now();
  }, "__wbg_now_463ac581d2fc7ea3"), __wbg_of_027eb15371aac932: /* @__PURE__ */ __name(function(t) {
    return Array.of(t);
  }, "__wbg_of_027eb15371aac932"), __wbg_prototypesetcall_13162965d1fe7aa3: /* @__PURE__ */ __name(function(t, e, n) {
    Uint8Array.prototype.set.call(T(t, e), n);
  }, "__wbg_prototypesetcall_13162965d1fe7aa3"), __wbg_push_c9f4893fc209f768: /* @__PURE__ */ __name(function(t, e) {
    return t.push(e);
  }, "__wbg_push_c9f4893fc209f768"), __wbg_queueMicrotask_1e8503a8a690f0a3: /* @__PURE__ */ __name(function(t) {
    return t.queueMicrotask;
  }, "__wbg_queueMicrotask_1e8503a8a690f0a3"), __wbg_queueMicrotask_4a1a4d8dd332373b: /* @__PURE__ */ __name(function(t) {
    queueMicrotask(t);
  }, "__wbg_queueMicrotask_4a1a4d8dd332373b"), __wbg_read_e3bea75dace70752: /* @__PURE__ */ __name(function(t) {
    return t.read();
  }, "__wbg_read_e3bea75dace70752"), __wbg_readable_11d72b62fcfdd1ec: /* @__PURE__ */ __name(function(t) {
    return t.readable;
  }, "__wbg_readable_11d72b62fcfdd1ec"), __wbg_releaseLock_eddf1401c763f0b9: /* @__PURE__ */ __name(function(t) {
    t.releaseLock();
  }, "__wbg_releaseLock_eddf1401c763f0b9"), __wbg_resolve_dbf78ab4942478b0: /* @__PURE__ */ __name(function(t) {
    return Promise.resolve(t);
  }, "__wbg_resolve_dbf78ab4942478b0"), __wbg_respond_d97c023ee981d1f5: /* @__PURE__ */ __name(function(t, e) {
    t.respond(e >>> 0);
  }, "__wbg_respond_d97c023ee981d1f5"), __wbg_send_cd51063ca1be4d0f: /* @__PURE__ */ __name(function(t, e, n) {
    t.send(d(e, n));
  }, "__wbg_send_cd51063ca1be4d0f"), __wbg_serializeAttachment_b3838d362dd24b64: /* @__PURE__ */ __name(function(t, e) {
    t.serializeAttachment(e);
  }, "__wbg_serializeAttachment_b3838d362dd24b64"), __wbg_setAlarm_039d09296f34bacd: /* @__PURE__ */ __name(function(t, e, n) {
    return t.setAlarm(e, n);
  }, "__wbg_setAlarm_039d09296f34bacd"), __wbg_set_2793479888329cb6: /* @__PURE__ */ __name(function(t, e, n) {
    return Reflect.set(t, e, n);
  }, "__wbg_set_2793479888329cb6"), __wbg_set_8282f7e0d2d01336: /* @__PURE__ */ __name(function(t, e, n) {
    return t.set(e, n);
  }, "__wbg_set_8282f7e0d2d01336"), __wbg_set_bcb0ec2400cfa22e: /* @__PURE__ */ __name(function(t, e, n, i, a) {
    t.set(d(e, n), d(i, a));
  }, "__wbg_set_bcb0ec2400cfa22e"), __wbg_set_body_877d5251e78ca815: /* @__PURE__ */ __name(function(t, e) {
    t.body = e;
  }, "__wbg_set_body_877d5251e78ca815"), __wbg_set_cache_7a23201e29cbd632: /* @__PURE__ */ __name(function(t, e) {
    t.cache = ht[e];
  }, "__wbg_set_cache_7a23201e29cbd632"), __wbg_set_criticalError_c30445da7038dbf2: /* @__PURE__ */ __name(function(t, e) {
    t.criticalError = e !== 0;
  }, "__wbg_set_criticalError_c30445da7038dbf2"), __wbg_set_e4b9a833d288759a: /* @__PURE__ */ __name(function(t, e, n) {
    t[e] = n;
  }, "__wbg_set_e4b9a833d288759a"), __wbg_set_feb3714f475485ba: /* @__PURE__ */ __name(function(t, e, n) {
    t.set(T(e, n));
  }, "__wbg_set_feb3714f475485ba"), __wbg_set_hash_fe46fae25944de83: /* @__PURE__ */ __name(function(t, e) {
    t.hash = e;
  }, "__wbg_set_hash_fe46fae25944de83"), __wbg_set_headers_07f10dbe49bc0e77: /* @__PURE__ */ __name(function(t, e) {
    t.headers = e;
  }, "__wbg_set_headers_07f10dbe49bc0e77"), __wbg_set_headers_6d75a7df4eb22716: /* @__PURE__ */ __name(function(t, e) {
    t.headers = e;
  }, "__wbg_set_headers_6d75a7df4eb22716"), __wbg_set_instanceId_6f5f77d81e249b49: /* @__PURE__ */ __name(function(t, e) {
    t.instanceId = e >>> 0;
  }, "__wbg_set_instanceId_6f5f77d81e249b49"), __wbg_set_iterations_fb189bed683d288d: /* @__PURE__ */ __name(function(t, e) {
    t.iterations = e >>> 0;
  }, "__wbg_set_iterations_fb189bed683d288d"), __wbg_set_method_639e69af35614d36: /* @__PURE__ */ __name(function(t, e, n) {
    t.method = d(e, n);
  }, "__wbg_set_method_639e69af35614d36"), __wbg_set_name_60ab0069dbb3b158: /* @__PURE__ */ __name(function(t, e, n) {
    t.name = d(e, n);
  }, "__wbg_set_name_60ab0069dbb3b158"), __wbg_set_redirect_a95a432ab7d10765: /* @__PURE__ */ __name(function(t, e) {
    t.redirect = pt[e];
  }, "__wbg_set_redirect_a95a432ab7d10765"), __wbg_set_salt_474400e9bceb82f4: /* @__PURE__ */ __name(function(t, e) {
    t.salt = e;
  }, "__wbg_set_salt_474400e9bceb82f4"), __wbg_set_signal_0b2eee78907e5ba7: /* @__PURE__ */ __name(function(t, e) {
    t.signal = e;
  }, "__wbg_set_signal_0b2eee78907e5ba7"), __wbg_set_status_bd9dc81d1c17b108: /* @__PURE__ */ __name(function(t, e) {
    t.status = e;
  }, "__wbg_set_status_bd9dc81d1c17b108"), __wbg_sql_cabda3440c70072f: /* @__PURE__ */ __name(function(t) {
    return t.sql;
  }, "__wbg_sql_cabda3440c70072f"), __wbg_static_accessor_GLOBAL_THIS_003ee833af9699fc: /* @__PURE__ */ __name(function() {
    let t = typeof globalThis > "u" ? void 0 : globalThis;
    return u(t) ? 0 : p(t);
  }, "__wbg_static_accessor_GLOBAL_THIS_003ee833af9699fc"), __wbg_static_accessor_GLOBAL_e4293fb22cbe77da: /* @__PURE__ */ __name(function() {
    let t = typeof global > "u" ? void 0 : global;
    return u(t) ? 0 : p(t);
  }, "__wbg_static_accessor_GLOBAL_e4293fb22cbe77da"), __wbg_static_accessor_INIT_STATE_b2269150d11f01e0: /* @__PURE__ */ __name(function() {
    return Q;
  }, "__wbg_static_accessor_INIT_STATE_b2269150d11f01e0"), __wbg_static_accessor_SELF_53bb20457401453d: /* @__PURE__ */ __name(function() {
    let t = typeof self > "u" ? void 0 : self;
    return u(t) ? 0 : p(t);
  }, "__wbg_static_accessor_SELF_53bb20457401453d"), __wbg_static_accessor_WINDOW_b5e0810bfecb7feb: /* @__PURE__ */ __name(function() {
    let t = typeof window > "u" ? void 0 : window;
    return u(t) ? 0 : p(t);
  }, "__wbg_static_accessor_WINDOW_b5e0810bfecb7feb"), __wbg_status_cb85b6c8d1769fa1: /* @__PURE__ */ __name(function(t) {
    return t.status;
  }, "__wbg_status_cb85b6c8d1769fa1"), __wbg_storage_00d86055b2dc3100: /* @__PURE__ */ __name(function(t) {
    return t.storage;
  }, "__wbg_storage_00d86055b2dc3100"), __wbg_subtle_28bc23a1c3440ebf: /* @__PURE__ */ __name(function(t) {
    return t.subtle;
  }, "__wbg_subtle_28bc23a1c3440ebf"), __wbg_then_656f253a5dd7d8ea: /* @__PURE__ */ __name(function(t, e, n) {
    return t.then(e, n);
  }, "__wbg_then_656f253a5dd7d8ea"), __wbg_then_e3f7f2d365708be8: /* @__PURE__ */ __name(function(t, e) {
    return t.then(e);
  }, "__wbg_then_e3f7f2d365708be8"), __wbg_toArray_2757e80d5ccf01a6: /* @__PURE__ */ __name(function(t) {
    return t.toArray();
  }, "__wbg_toArray_2757e80d5ccf01a6"), __wbg_url_1be993c7b186415b: /* @__PURE__ */ __name(function(t, e) {
    let n = e.url, i = m(n, _.__wbindgen_malloc, _.__wbindgen_realloc), a = l;
    g().setInt32((t >>> 0) + 4, a, true), g().setInt32((t >>> 0) + 0, i, true);
  }, "__wbg_url_1be993c7b186415b"), __wbg_value_e0f328965e184931: /* @__PURE__ */ __name(function(t) {
    return t.value;
  }, "__wbg_value_e0f328965e184931"), __wbg_view_3b708d3bdaf3fc96: /* @__PURE__ */ __name(function(t) {
    let e = t.view;
    return u(e) ? 0 : p(e);
  }, "__wbg_view_3b708d3bdaf3fc96"), __wbg_webSocket_71791e807603b1e4: /* @__PURE__ */ __name(function(t) {
    let e = t.webSocket;
    return u(e) ? 0 : p(e);
  }, "__wbg_webSocket_71791e807603b1e4"), __wbg_writable_1924ab50750acb0f: /* @__PURE__ */ __name(function(t) {
    return t.writable;
  }, "__wbg_writable_1924ab50750acb0f"), __wbindgen_generic_0000000000000001: /* @__PURE__ */ __name(function(t, e) {
    return rt(t, e, wt);
  }, "__wbindgen_generic_0000000000000001"), __wbindgen_generic_0000000000000002: /* @__PURE__ */ __name(function(t, e) {
    return rt(t, e, gt);
  }, "__wbindgen_generic_0000000000000002"), __wbindgen_generic_0000000000000003: /* @__PURE__ */ __name(function(t) {
    return t;
  }, "__wbindgen_generic_0000000000000003"), __wbindgen_generic_0000000000000004: /* @__PURE__ */ __name(function(t) {
    return t;
  }, "__wbindgen_generic_0000000000000004"), __wbindgen_generic_0000000000000005: /* @__PURE__ */ __name(function(t, e) {
    return d(t, e);
  }, "__wbindgen_generic_0000000000000005"), __wbindgen_generic_0000000000000006: /* @__PURE__ */ __name(function(t) {
    return BigInt.asUintN(64, t);
  }, "__wbindgen_generic_0000000000000006"), __wbindgen_init_externref_table: /* @__PURE__ */ __name(function() {
    let t = _.__wbindgen_externrefs;
    t.set(0, void 0), t.set(1024, void 0), t.set(1025, null), t.set(1026, true), t.set(1027, false);
  }, "__wbindgen_init_externref_table"), __wbindgen_jstag: WebAssembly.JSTag, __wbindgen_rethrow_critical: /* @__PURE__ */ __name(function(t) {
    throw new Error("Critical error", { cause: t });
  }, "__wbindgen_rethrow_critical") } };
}
__name(st, "st");
var N = new WebAssembly.Tag({ parameters: ["externref"] });
var V;
var H = false;
function ct() {
  H = true;
  try {
    let r2 = J()[_.__abort_handler.value / 4];
    r2 && _.__wbindgen_export.get(r2)();
  } catch {
  }
}
__name(ct, "ct");
function s(r2) {
  throw r2 instanceof WebAssembly.Exception && r2.is(N) ? r2.getArg(N, 0) : (J()[V] = 1, ct(), r2);
}
__name(s, "s");
function c() {
  if (V ??= _.__instance_terminated.value / 4, J()[V]) {
    if (H || ct(), q) {
      D();
      return;
    }
    throw new Error("Module terminated");
  } else q && D();
}
__name(c, "c");
function wt(r2, t, e) {
  c();
  try {
    _.wasm_bindgen__convert__closures_____invoke__h6bc19858f1a638a7(r2, t, e);
  } catch (n) {
    s(n);
  }
}
__name(wt, "wt");
function gt(r2, t, e) {
  let n;
  c();
  try {
    n = _.wasm_bindgen__convert__closures_____invoke__h4464c10eb09f1ac5(r2, t, e);
  } catch (i) {
    s(i);
  }
  if (n[1]) throw xt(n[0]);
}
__name(gt, "gt");
function dt(r2, t, e, n) {
  c();
  try {
    _.wasm_bindgen__convert__closures_____invoke__h143f5c6b25ff2a69(r2, t, e, n);
  } catch (i) {
    s(i);
  }
}
__name(dt, "dt");
var lt = ["bytes"];
var ht = ["default", "no-store", "reload", "no-cache", "force-cache", "only-if-cached"];
var pt = ["follow", "error", "manual"];
var o = 0;
var X = typeof FinalizationRegistry > "u" ? { register: /* @__PURE__ */ __name(() => {
}, "register"), unregister: /* @__PURE__ */ __name(() => {
}, "unregister") } : new FinalizationRegistry(({ ptr: r2, instance: t }) => {
  t === o && _.__wbg_accountsobject_free(r2, 1);
});
var yt = typeof FinalizationRegistry > "u" ? { register: /* @__PURE__ */ __name(() => {
}, "register"), unregister: /* @__PURE__ */ __name(() => {
}, "unregister") } : new FinalizationRegistry(({ ptr: r2, instance: t }) => {
  t === o && _.__wbg_containerstartupoptions_free(r2, 1);
});
var Y = typeof FinalizationRegistry > "u" ? { register: /* @__PURE__ */ __name(() => {
}, "register"), unregister: /* @__PURE__ */ __name(() => {
}, "unregister") } : new FinalizationRegistry(({ ptr: r2, instance: t }) => {
  t === o && _.__wbg_dialogobject_free(r2, 1);
});
var mt = typeof FinalizationRegistry > "u" ? { register: /* @__PURE__ */ __name(() => {
}, "register"), unregister: /* @__PURE__ */ __name(() => {
}, "unregister") } : new FinalizationRegistry(({ ptr: r2, instance: t }) => {
  t === o && _.__wbg_intounderlyingbytesource_free(r2, 1);
});
var vt = typeof FinalizationRegistry > "u" ? { register: /* @__PURE__ */ __name(() => {
}, "register"), unregister: /* @__PURE__ */ __name(() => {
}, "unregister") } : new FinalizationRegistry(({ ptr: r2, instance: t }) => {
  t === o && _.__wbg_intounderlyingsink_free(r2, 1);
});
var jt = typeof FinalizationRegistry > "u" ? { register: /* @__PURE__ */ __name(() => {
}, "register"), unregister: /* @__PURE__ */ __name(() => {
}, "unregister") } : new FinalizationRegistry(({ ptr: r2, instance: t }) => {
  t === o && _.__wbg_intounderlyingsource_free(r2, 1);
});
var Z = typeof FinalizationRegistry > "u" ? { register: /* @__PURE__ */ __name(() => {
}, "register"), unregister: /* @__PURE__ */ __name(() => {
}, "unregister") } : new FinalizationRegistry(({ ptr: r2, instance: t }) => {
  t === o && _.__wbg_lineobject_free(r2, 1);
});
var tt = typeof FinalizationRegistry > "u" ? { register: /* @__PURE__ */ __name(() => {
}, "register"), unregister: /* @__PURE__ */ __name(() => {
}, "unregister") } : new FinalizationRegistry(({ ptr: r2, instance: t }) => {
  t === o && _.__wbg_minifyconfig_free(r2, 1);
});
var et = typeof FinalizationRegistry > "u" ? { register: /* @__PURE__ */ __name(() => {
}, "register"), unregister: /* @__PURE__ */ __name(() => {
}, "unregister") } : new FinalizationRegistry(({ ptr: r2, instance: t }) => {
  t === o && _.__wbg_outboxobject_free(r2, 1);
});
var It = typeof FinalizationRegistry > "u" ? { register: /* @__PURE__ */ __name(() => {
}, "register"), unregister: /* @__PURE__ */ __name(() => {
}, "unregister") } : new FinalizationRegistry(({ ptr: r2, instance: t }) => {
  t === o && _.__wbg_r2range_free(r2, 1);
});
function p(r2) {
  let t = _.__externref_table_alloc();
  return _.__wbindgen_externrefs.set(t, r2), t;
}
__name(p, "p");
var nt = typeof FinalizationRegistry > "u" ? { register: /* @__PURE__ */ __name(() => {
}, "register"), unregister: /* @__PURE__ */ __name(() => {
}, "unregister") } : new FinalizationRegistry((r2) => {
  r2.instance === o && _.__wbindgen_destroy_closure(r2.a, r2.b);
});
function at(r2) {
  switch (typeof r2) {
    case "number":
    case "boolean":
    case "undefined":
      return `${r2}`;
    case "string":
      return JSON.stringify(r2);
    case "bigint":
      return `${r2}n`;
    case "symbol":
      return r2.description !== void 0 ? `Symbol(${r2.description})` : "Symbol";
    case "function":
      return typeof r2.name == "string" && r2.name !== "" ? `Function(${r2.name})` : "Function";
    case "object": {
      if (r2 === null) return "null";
      if (Array.isArray(r2)) return "[" + Array.from(r2, at).join(", ") + "]";
      if (r2 instanceof Error) return `${r2.name}: ${r2.message}
${r2.stack}`;
      let t = toString.call(r2), e = /\[object ([^\]]+)\]/.exec(t)?.[1];
      if (e === void 0) return t;
      if (e === "Object") try {
        return "Object(" + JSON.stringify(r2) + ")";
      } catch {
        return "Object";
      }
      return e;
    }
  }
}
__name(at, "at");
function bt(r2, t) {
  r2 = r2 >>> 0;
  let e = g(), n = [];
  for (let i = r2; i < r2 + 4 * t; i += 4) n.push(_.__wbindgen_externrefs.get(e.getUint32(i, true)));
  return _.__externref_drop_slice(r2, t), n;
}
__name(bt, "bt");
function T(r2, t) {
  return r2 = r2 >>> 0, P().subarray(r2 / 1, r2 / 1 + t);
}
__name(T, "T");
var I = null;
function g() {
  return (I === null || I.buffer.detached === true || I.buffer.detached === void 0 && I.buffer !== _.memory.buffer) && (I = new DataView(_.memory.buffer)), I;
}
__name(g, "g");
var z = null;
function J() {
  return (z === null || z.byteLength === 0) && (z = new Int32Array(_.memory.buffer)), z;
}
__name(J, "J");
function d(r2, t) {
  return r2 = r2 >>> 0, Et(P().subarray(r2, r2 + t));
}
__name(d, "d");
var O = null;
function P() {
  return (O === null || O.byteLength === 0) && (O = new Uint8Array(_.memory.buffer)), O;
}
__name(P, "P");
function u(r2) {
  return r2 == null;
}
__name(u, "u");
function rt(r2, t, e) {
  let n = { a: r2, b: t, cnt: 1, instance: o }, i = /* @__PURE__ */ __name((...a) => {
    if (n.instance !== o) throw new Error("Cannot invoke closure from previous WASM instance");
    n.cnt++;
    let b = n.a;
    n.a = 0;
    try {
      return e(b, n.b, ...a);
    } finally {
      n.a = b, i._wbg_cb_unref();
    }
  }, "i");
  return i._wbg_cb_unref = () => {
    --n.cnt === 0 && (_.__wbindgen_destroy_closure(n.a, n.b), n.a = 0, nt.unregister(n));
  }, nt.register(i, n, n), i;
}
__name(rt, "rt");
function ft(r2, t) {
  let e = t(r2.length * 4, 4) >>> 0;
  for (let n = 0; n < r2.length; n++) {
    let i = p(r2[n]);
    g().setUint32(e + 4 * n, i, true);
  }
  return l = r2.length, e;
}
__name(ft, "ft");
function m(r2, t, e) {
  if (e === void 0) {
    let f = M.encode(r2), w = t(f.length, 1) >>> 0;
    return P().subarray(w, w + f.length).set(f), l = f.length, w;
  }
  let n = r2.length, i = t(n, 1) >>> 0, a = P(), b = 0;
  for (; b < n; b++) {
    let f = r2.charCodeAt(b);
    if (f > 127) break;
    a[i + b] = f;
  }
  if (b !== n) {
    b !== 0 && (r2 = r2.slice(b)), i = e(i, n, n = b + r2.length * 3, 1) >>> 0;
    let f = P().subarray(i + b, i + n), w = M.encodeInto(r2, f);
    b += w.written, i = e(i, n, b, 1) >>> 0;
  }
  return l = b, i;
}
__name(m, "m");
var q = false;
function xt(r2) {
  let t = _.__wbindgen_externrefs.get(r2);
  return _.__externref_table_dealloc(r2), t;
}
__name(xt, "xt");
var ut = new TextDecoder("utf-8", { ignoreBOM: true });
ut.decode();
function Et(r2) {
  return ut.decode(r2);
}
__name(Et, "Et");
var M = new TextEncoder();
"encodeInto" in M || (M.encodeInto = function(r2, t) {
  let e = M.encode(r2);
  return t.set(e), { read: r2.length, written: e.length };
});
var l = 0;
var $ = new WebAssembly.Instance(_t, st());
var _ = $.exports;
_.__wbindgen_start();
Error.stackTraceLimit = 100;
var v = it();
function K() {
  v.criticalError && (console.log("Reinitializing Wasm application"), D(), v.criticalError = false, v.instanceId++);
}
__name(K, "K");
addEventListener("error", (r2) => {
  G(r2.error);
});
function G(r2) {
  r2 instanceof WebAssembly.RuntimeError && (console.error("Critical", r2), v.criticalError = true);
}
__name(G, "G");
var B = class extends Wt {
  static {
    __name(this, "B");
  }
};
B.prototype.fetch = function(t) {
  return ot.call(this, t, this.env, this.ctx);
};
var Rt = { set: /* @__PURE__ */ __name((r2, t, e, n) => Reflect.set(r2.instance, t, e, n), "set"), has: /* @__PURE__ */ __name((r2, t) => Reflect.has(r2.instance, t), "has"), deleteProperty: /* @__PURE__ */ __name((r2, t) => Reflect.deleteProperty(r2.instance, t), "deleteProperty"), apply: /* @__PURE__ */ __name((r2, t, e) => Reflect.apply(r2.instance, t, e), "apply"), construct: /* @__PURE__ */ __name((r2, t, e) => Reflect.construct(r2.instance, t, e), "construct"), getPrototypeOf: /* @__PURE__ */ __name((r2) => Reflect.getPrototypeOf(r2.instance), "getPrototypeOf"), setPrototypeOf: /* @__PURE__ */ __name((r2, t) => Reflect.setPrototypeOf(r2.instance, t), "setPrototypeOf"), isExtensible: /* @__PURE__ */ __name((r2) => Reflect.isExtensible(r2.instance), "isExtensible"), preventExtensions: /* @__PURE__ */ __name((r2) => Reflect.preventExtensions(r2.instance), "preventExtensions"), getOwnPropertyDescriptor: /* @__PURE__ */ __name((r2, t) => Reflect.getOwnPropertyDescriptor(r2.instance, t), "getOwnPropertyDescriptor"), defineProperty: /* @__PURE__ */ __name((r2, t, e) => Reflect.defineProperty(r2.instance, t, e), "defineProperty"), ownKeys: /* @__PURE__ */ __name((r2) => Reflect.ownKeys(r2.instance), "ownKeys") };
var j = { construct(r2, t, e) {
  try {
    K();
    let n = { instance: Reflect.construct(r2, t, e), instanceId: v.instanceId, ctor: r2, args: t, newTarget: e };
    return new Proxy(n, { ...Rt, get(i, a, b) {
      i.instanceId !== v.instanceId && (i.instance = Reflect.construct(i.ctor, i.args, i.newTarget), i.instanceId = v.instanceId);
      let f = Reflect.get(i.instance, a, b);
      return typeof f != "function" ? f : f.constructor === Function ? new Proxy(f, { apply(w, h, y) {
        K();
        try {
          return w.apply(h, y);
        } catch (A) {
          throw G(A), A;
        }
      } }) : new Proxy(f, { async apply(w, h, y) {
        K();
        try {
          return await w.apply(h, y);
        } catch (A) {
          throw G(A), A;
        }
      } });
    } });
  } catch (n) {
    throw v.criticalError = true, n;
  }
} };
var Ot = new Proxy(B, j);
var Pt = new Proxy(E, j);
var Mt = new Proxy(S, j);
var Tt = new Proxy(W, j);
var Ct = new Proxy(R, j);
var Lt = new Proxy(x, j);
var Ut = new Proxy(k, j);
var Dt = new Proxy(F, j);

// ../node_modules/wrangler/templates/middleware/middleware-ensure-req-body-drained.ts
var drainBody = /* @__PURE__ */ __name(async (request, env, _ctx, middlewareCtx) => {
  try {
    return await middlewareCtx.next(request, env);
  } finally {
    try {
      if (request.body !== null && !request.bodyUsed) {
        const reader = request.body.getReader();
        while (!(await reader.read()).done) {
        }
      }
    } catch (e) {
      console.error("Failed to drain the unused request body.", e);
    }
  }
}, "drainBody");
var middleware_ensure_req_body_drained_default = drainBody;

// ../node_modules/wrangler/templates/middleware/middleware-miniflare3-json-error.ts
function reduceError(e) {
  return {
    name: e?.name,
    message: e?.message ?? String(e),
    stack: e?.stack,
    cause: e?.cause === void 0 ? void 0 : reduceError(e.cause)
  };
}
__name(reduceError, "reduceError");
var jsonError = /* @__PURE__ */ __name(async (request, env, _ctx, middlewareCtx) => {
  try {
    return await middlewareCtx.next(request, env);
  } catch (e) {
    const error = reduceError(e);
    return Response.json(error, {
      status: 500,
      headers: { "MF-Experimental-Error-Stack": "true" }
    });
  }
}, "jsonError");
var middleware_miniflare3_json_error_default = jsonError;

// .wrangler/tmp/bundle-pV5q4R/middleware-insertion-facade.js
var __INTERNAL_WRANGLER_MIDDLEWARE__ = [
  middleware_ensure_req_body_drained_default,
  middleware_miniflare3_json_error_default
];
var middleware_insertion_facade_default = Ot;

// ../node_modules/wrangler/templates/middleware/common.ts
var __facade_middleware__ = [];
function __facade_register__(...args) {
  __facade_middleware__.push(...args.flat());
}
__name(__facade_register__, "__facade_register__");
function __facade_invokeChain__(request, env, ctx, dispatch, middlewareChain) {
  const [head, ...tail] = middlewareChain;
  const middlewareCtx = {
    dispatch,
    next(newRequest, newEnv) {
      return __facade_invokeChain__(newRequest, newEnv, ctx, dispatch, tail);
    }
  };
  return head(request, env, ctx, middlewareCtx);
}
__name(__facade_invokeChain__, "__facade_invokeChain__");
function __facade_invoke__(request, env, ctx, dispatch, finalMiddleware) {
  return __facade_invokeChain__(request, env, ctx, dispatch, [
    ...__facade_middleware__,
    finalMiddleware
  ]);
}
__name(__facade_invoke__, "__facade_invoke__");

// .wrangler/tmp/bundle-pV5q4R/middleware-loader.entry.ts
var __Facade_ScheduledController__ = class ___Facade_ScheduledController__ {
  constructor(scheduledTime, cron, noRetry) {
    this.scheduledTime = scheduledTime;
    this.cron = cron;
    this.#noRetry = noRetry;
  }
  static {
    __name(this, "__Facade_ScheduledController__");
  }
  #noRetry;
  noRetry() {
    if (!(this instanceof ___Facade_ScheduledController__)) {
      throw new TypeError("Illegal invocation");
    }
    this.#noRetry();
  }
};
function wrapExportedHandler(worker) {
  if (__INTERNAL_WRANGLER_MIDDLEWARE__ === void 0 || __INTERNAL_WRANGLER_MIDDLEWARE__.length === 0) {
    return worker;
  }
  for (const middleware of __INTERNAL_WRANGLER_MIDDLEWARE__) {
    __facade_register__(middleware);
  }
  const fetchDispatcher = /* @__PURE__ */ __name(function(request, env, ctx) {
    if (worker.fetch === void 0) {
      throw new Error("Handler does not export a fetch() function.");
    }
    return worker.fetch(request, env, ctx);
  }, "fetchDispatcher");
  return {
    ...worker,
    fetch(request, env, ctx) {
      const dispatcher = /* @__PURE__ */ __name(function(type, init) {
        if (type === "scheduled" && worker.scheduled !== void 0) {
          const controller = new __Facade_ScheduledController__(
            Date.now(),
            init.cron ?? "",
            () => {
            }
          );
          return worker.scheduled(controller, env, ctx);
        }
      }, "dispatcher");
      return __facade_invoke__(request, env, ctx, dispatcher, fetchDispatcher);
    }
  };
}
__name(wrapExportedHandler, "wrapExportedHandler");
function wrapWorkerEntrypoint(klass) {
  if (__INTERNAL_WRANGLER_MIDDLEWARE__ === void 0 || __INTERNAL_WRANGLER_MIDDLEWARE__.length === 0) {
    return klass;
  }
  for (const middleware of __INTERNAL_WRANGLER_MIDDLEWARE__) {
    __facade_register__(middleware);
  }
  return class extends klass {
    #fetchDispatcher = /* @__PURE__ */ __name((request, env, ctx) => {
      this.env = env;
      this.ctx = ctx;
      if (super.fetch === void 0) {
        throw new Error("Entrypoint class does not define a fetch() function.");
      }
      return super.fetch(request);
    }, "#fetchDispatcher");
    #dispatcher = /* @__PURE__ */ __name((type, init) => {
      if (type === "scheduled" && super.scheduled !== void 0) {
        const controller = new __Facade_ScheduledController__(
          Date.now(),
          init.cron ?? "",
          () => {
          }
        );
        return super.scheduled(controller);
      }
    }, "#dispatcher");
    fetch(request) {
      return __facade_invoke__(
        request,
        this.env,
        this.ctx,
        this.#dispatcher,
        this.#fetchDispatcher
      );
    }
  };
}
__name(wrapWorkerEntrypoint, "wrapWorkerEntrypoint");
var WRAPPED_ENTRY;
if (typeof middleware_insertion_facade_default === "object") {
  WRAPPED_ENTRY = wrapExportedHandler(middleware_insertion_facade_default);
} else if (typeof middleware_insertion_facade_default === "function") {
  WRAPPED_ENTRY = wrapWorkerEntrypoint(middleware_insertion_facade_default);
}
var middleware_loader_entry_default = WRAPPED_ENTRY;
export {
  Pt as AccountsObject,
  Mt as ContainerStartupOptions,
  Tt as DialogObject,
  Ct as LineObject,
  Lt as MinifyConfig,
  Ut as OutboxObject,
  Dt as R2Range,
  __INTERNAL_WRANGLER_MIDDLEWARE__,
  middleware_loader_entry_default as default
};
//# sourceMappingURL=shim.js.map
