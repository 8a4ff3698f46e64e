/** What copr-web answers to an accepted upload (the build's id is all the form needs). */
export interface Submitted {
  build: { id: number };
}

export interface UploadOptions {
  owner: string;
  project: string;
  file: File;
  token: string;
  /** Query parameters of the upload route (chroot may repeat). */
  params: [string, string][];
  /** 0..1 as the bytes leave the browser. */
  onProgress: (fraction: number) => void;
}

/**
 * Uploads an SRPM to `POST /api/projects/OWNER/PROJECT/builds` as the
 * request body (what `copr build` does), reporting progress; resolves with
 * the new build or rejects with the server's error message.
 * XMLHttpRequest, because fetch() reports no upload progress.
 */
export function uploadSrpm(o: UploadOptions): Promise<Submitted> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    const qs = new URLSearchParams(o.params).toString();
    xhr.open("POST", `/api/projects/${encodeURIComponent(o.owner)}/${encodeURIComponent(o.project)}/builds${qs === "" ? "" : `?${qs}`}`);
    xhr.setRequestHeader("authorization", `Bearer ${o.token}`);
    xhr.setRequestHeader("content-type", "application/x-rpm");
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && e.total > 0) o.onProgress(e.loaded / e.total);
    };
    xhr.upload.onload = () => o.onProgress(1);
    xhr.onload = () => {
      let body: unknown;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        reject(new Error(`the server answered HTTP ${xhr.status}`));
        return;
      }
      if (xhr.status === 201) {
        resolve(body as Submitted);
        return;
      }
      const error = (body as { error?: { message?: string } }).error;
      reject(new Error(error?.message ?? `the server answered HTTP ${xhr.status}`));
    };
    xhr.onerror = () => reject(new Error("the upload failed: the server could not be reached"));
    xhr.onabort = () => reject(new Error("the upload was aborted"));
    xhr.send(o.file);
  });
}
